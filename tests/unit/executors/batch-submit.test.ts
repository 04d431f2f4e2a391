// `BaseExecutor.submitJobs` (a batch of due jobs started in one loop, outcomes reported after it
// returns) and run reporting through `ExecutorContext.runs` (a record without an event when nobody
// listens), seen through the event-loop executor on a fake clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AsyncExecutor,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  ExecutorShutdownError,
  type JobExecutionEvent,
  type JobFunction,
  type JobState,
  type JobSubmission,
} from '../../../src/index.js';
import type { ExecutorEvent, RunReporting } from '../../../src/executors/executor.js';
import type { RunRecord } from '../../../src/stores/job-store.js';
import { TimedRunRecord } from '../../../src/stores/run-record.js';
import { FakeClock, settle } from '../../../src/testing.js';
import { makeContext, makeJob } from './harness.js';

const T0 = Date.UTC(2026, 0, 1);
let executor: AsyncExecutor | undefined;
afterEach(async () => {
  await executor?.shutdown({ wait: false });
  executor = undefined;
});

/** A `RunReporting` whose every call is recorded; `listens` answers `listening` for every code. */
function makeRuns(options: { listening?: boolean | ((code: number) => boolean); history?: boolean } = {}) {
  const records: { jobStore: string; record: RunRecord }[] = [];
  const published: ExecutorEvent[] = [];
  const listening = options.listening ?? false;
  const runs: RunReporting = {
    schedulerId: 'sched-1',
    record:
      options.history === false
        ? undefined
        : vi.fn((jobStore: string, record: RunRecord) => void records.push({ jobStore, record })),
    publish: vi.fn((event: ExecutorEvent) => void published.push(event)),
    listens: vi.fn((code: number) => (typeof listening === 'function' ? listening(code) : listening)),
  };
  return { runs, records, published };
}

function start(options: { maxConcurrency?: number; runs?: RunReporting; wants?: boolean } = {}) {
  const clock = new FakeClock(T0);
  executor = new AsyncExecutor({ maxConcurrency: options.maxConcurrency });
  const harness = makeContext({ clock, alias: 'loop', wants: options.wants });
  const emit = vi.spyOn(harness.context, 'emit');
  if (options.runs !== undefined) harness.context.runs = options.runs;
  void executor.start(harness.context);
  /** A job body that waits `ms` on the fake clock, then returns `value`. */
  const wait = (ms: number, value?: unknown) => () =>
    new Promise((done) => clock.setTimer(() => done(value), ms));
  return { executor, clock, wait, emit, ...harness };
}

/**
 * A submission as the scheduler makes one for a job whose function is known: `resolveFunction`
 * returns it synchronously, so the executor can call it at once.
 */
function submission(job: JobState, scheduledRunTimes: Date[] = [new Date(T0)]): JobSubmission {
  return {
    job,
    jobStore: 'default',
    scheduledRunTimes,
    resolveFunction: () => job.func as JobFunction,
  };
}

const outcome = (event: unknown) => event as JobExecutionEvent;

describe('BaseExecutor.submitJobs', () => {
  it('starts every accepted run before it returns, in submission order', () => {
    const { executor } = start({ maxConcurrency: 2 });
    const calls: string[] = [];
    const batch = Array.from({ length: 20 }, (_, i) =>
      submission(makeJob({ id: `job-${i}`, func: () => calls.push(`job-${i}`) })),
    );
    const refused = executor.submitJobs(batch);
    expect(refused).toEqual([]);
    expect(calls).toEqual(batch.map((s) => s.job.id));
  });

  it('starts async jobs up to maxConcurrency before it returns and queues the rest', async () => {
    const { executor, clock, wait, events } = start({ maxConcurrency: 3 });
    const started: string[] = [];
    const job = (id: string) =>
      makeJob({
        id,
        func: () => {
          started.push(id);
          return wait(1000, id)();
        },
      });
    executor.submitJobs(['a', 'b', 'c', 'd', 'e'].map((id) => submission(job(id))));
    expect(started).toEqual(['a', 'b', 'c']);
    await clock.advance(1000);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    await clock.advance(1000);
    expect(events.map((event) => outcome(event).retval)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reports no outcome before it returns, and every outcome on the next microtask (legacy emit)', async () => {
    const { executor, emit, events } = start();
    const batch = [1, 2, 3].map((n) => submission(makeJob({ id: `job-${n}`, func: () => n * 10 })));
    executor.submitJobs(batch);
    expect(emit).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(emit).toHaveBeenCalledTimes(3);
    expect(events.map((event) => [event.code, event.jobId, outcome(event).retval])).toEqual([
      [EVENT_JOB_EXECUTED, 'job-1', 10],
      [EVENT_JOB_EXECUTED, 'job-2', 20],
      [EVENT_JOB_EXECUTED, 'job-3', 30],
    ]);
    await settle();
    expect(emit).toHaveBeenCalledTimes(3);
  });

  it('reports no outcome before it returns through context.runs either', async () => {
    const { runs, records, published } = makeRuns({ listening: true });
    const { executor, emit } = start({ runs });
    executor.submitJobs([1, 2].map((n) => submission(makeJob({ id: `job-${n}`, func: () => n }))));
    expect(runs.record).not.toHaveBeenCalled();
    expect(runs.publish).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(records.map(({ record }) => [record.jobId, record.outcome])).toEqual([
      ['job-1', 'success'],
      ['job-2', 'success'],
    ]);
    expect(published.map((event) => [event.code, event.jobId])).toEqual([
      [EVENT_JOB_EXECUTED, 'job-1'],
      [EVENT_JOB_EXECUTED, 'job-2'],
    ]);
    expect(emit).not.toHaveBeenCalled();
  });

  it('reports a run found missed as it starts at once, and still runs the others', () => {
    const { runs, records } = makeRuns();
    const { executor } = start({ runs });
    const calls: string[] = [];
    const late = makeJob({ id: 'late', func: () => calls.push('late'), misfireGraceTime: 1 });
    const fine = makeJob({ id: 'fine', func: () => calls.push('fine'), misfireGraceTime: null });
    executor.submitJobs([submission(late, [new Date(T0 - 5000)]), submission(fine, [new Date(T0 - 5000)])]);
    expect(calls).toEqual(['fine']);
    expect(records).toHaveLength(1);
    expect(records[0]?.record).toMatchObject({ jobId: 'late', outcome: 'missed', schedulerId: 'sched-1' });
    expect(records[0]?.record.startedAt).toBeNull();
    expect(records[0]?.record.finishedAt).toBeNull();
  });

  it('returns the submissions refused for maxInstances without throwing, and runs the others', async () => {
    const { executor, clock, wait, events } = start();
    const busy = makeJob({ id: 'busy', func: wait(1000, 'first'), maxInstances: 1 });
    expect(executor.submitJobs([submission(busy)])).toEqual([]);
    expect(executor.runningInstances('busy')).toBe(1);

    let otherRan = false;
    const again = submission(busy);
    const other = submission(makeJob({ id: 'other', func: () => (otherRan = true) }));
    let refused: JobSubmission[] = [];
    expect(() => (refused = executor.submitJobs([again, other]))).not.toThrow();
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBe(again);
    expect(otherRan).toBe(true);
    expect(executor.runningInstances('busy')).toBe(1);

    await clock.advance(1000);
    expect(events.map((event) => [event.code, event.jobId, outcome(event).retval])).toEqual([
      [EVENT_JOB_EXECUTED, 'other', true],
      [EVENT_JOB_EXECUTED, 'busy', 'first'],
    ]);
    expect(executor.runningInstances('busy')).toBe(0);
  });

  it('counts instances within one batch: a second submission of a maxInstances 1 job is refused', async () => {
    const { executor, events } = start();
    let calls = 0;
    const job = makeJob({ id: 'once', func: () => ++calls, maxInstances: 1 });
    const first = submission(job);
    const second = submission(job);
    expect(executor.submitJobs([first, second])).toEqual([second]);
    await settle();
    expect(calls).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('throws ExecutorShutdownError when not started, accepting none', async () => {
    const idle = new AsyncExecutor();
    executor = idle;
    let calls = 0;
    const job = makeJob({ id: 'never', func: () => ++calls });
    expect(() => idle.submitJobs([submission(job)])).toThrow(ExecutorShutdownError);
    await settle();
    expect(calls).toBe(0);
    expect(idle.runningInstances('never')).toBe(0);
  });

  it('throws ExecutorShutdownError while shutting down and after shutdown, accepting none', async () => {
    const { executor, clock, wait, events } = start();
    executor.submitJobs([submission(makeJob({ id: 'slow', func: wait(1000) }))]);
    const stopping = executor.shutdown({ wait: true });
    let calls = 0;
    const job = makeJob({ id: 'late', func: () => ++calls });
    expect(() => executor.submitJobs([submission(job)])).toThrow(ExecutorShutdownError);
    await clock.advance(1000);
    await stopping;
    expect(() => executor.submitJobs([submission(job), submission(makeJob({ id: 'late-2' }))])).toThrow(
      ExecutorShutdownError,
    );
    await settle();
    expect(calls).toBe(0);
    expect(executor.runningInstances('late')).toBe(0);
    expect(events.map((event) => event.jobId)).toEqual(['slow']);
  });

  it('turns a job that throws synchronously into an error outcome; the rest of the batch still runs', async () => {
    const { runs, records, published } = makeRuns({ listening: true });
    const { executor } = start({ runs });
    const calls: string[] = [];
    const ok = (id: string) => makeJob({ id, func: () => (calls.push(id), id) });
    const bad = makeJob({
      id: 'bad',
      func: () => {
        calls.push('bad');
        throw new TypeError('sync boom');
      },
    });
    let refused: JobSubmission[] = [];
    expect(
      () => (refused = executor.submitJobs([submission(ok('a')), submission(bad), submission(ok('b'))])),
    ).not.toThrow();
    expect(refused).toEqual([]);
    expect(calls).toEqual(['a', 'bad', 'b']);
    await settle();
    expect(published.map((event) => [event.code, event.jobId])).toEqual([
      [EVENT_JOB_EXECUTED, 'a'],
      [EVENT_JOB_ERROR, 'bad'],
      [EVENT_JOB_EXECUTED, 'b'],
    ]);
    const error = outcome(published[1]);
    expect(error.exception).toBeInstanceOf(TypeError);
    expect(error.timedOut).toBe(false);
    expect(records.map(({ record }) => [record.jobId, record.outcome])).toEqual([
      ['a', 'success'],
      ['bad', 'error'],
      ['b', 'success'],
    ]);
    expect(records[1]?.record.error).toMatchObject({ name: 'TypeError', message: 'sync boom' });
    expect(records[1]?.record.returnValue).toBeNull();
    expect(executor.runningInstances('bad')).toBe(0);
  });

  it('turns a synchronous throw into EVENT_JOB_ERROR on the legacy emit path too', async () => {
    const { executor, events } = start();
    const bad = makeJob({
      id: 'bad',
      func: () => {
        throw new RangeError('nope');
      },
    });
    executor.submitJobs([submission(bad), submission(makeJob({ id: 'ok', func: () => 'fine' }))]);
    await settle();
    expect(events.map((event) => [event.code, event.jobId])).toEqual([
      [EVENT_JOB_ERROR, 'bad'],
      [EVENT_JOB_EXECUTED, 'ok'],
    ]);
    expect(outcome(events[0]).exception).toBeInstanceOf(RangeError);
    expect(outcome(events[0]).traceback).toContain('RangeError: nope');
  });

  it('runs every run time of a submission, one after another', async () => {
    const { runs, records } = makeRuns();
    const { executor } = start({ runs });
    const seen: number[] = [];
    const job = makeJob({ id: 'multi', func: () => seen.push(seen.length) });
    const times = [new Date(T0 - 2000), new Date(T0 - 1000), new Date(T0)];
    executor.submitJobs([submission(job, times)]);
    await settle();
    expect(seen).toEqual([0, 1, 2]);
    expect(records.map(({ record }) => record.scheduledRunTime)).toEqual(times);
    expect(executor.runningInstances('multi')).toBe(0);
  });
});

describe('run reporting through ExecutorContext.runs', () => {
  it('makes exactly one record per executed run, with Date times equal to its numeric times', async () => {
    const { runs, records } = makeRuns({ listening: false });
    const { executor, clock, wait, emit } = start({ runs });
    executor.submitJobs([submission(makeJob({ id: 'timed', func: wait(1500, { answer: 42 }) }))]);
    await clock.advance(1500);
    await settle();
    expect(runs.record).toHaveBeenCalledTimes(1);
    const [{ jobStore, record } = {} as never] = records;
    expect(jobStore).toBe('default');
    expect(record).toBeInstanceOf(TimedRunRecord);
    const timed = record as TimedRunRecord;
    expect(timed.startedMs).toBe(T0);
    expect(timed.finishedMs).toBe(T0 + 1500);
    expect(record.startedAt).toBeInstanceOf(Date);
    expect(record.finishedAt).toBeInstanceOf(Date);
    expect(record.startedAt).toEqual(new Date(timed.startedMs));
    expect(record.finishedAt).toEqual(new Date(timed.finishedMs));
    expect(record).toMatchObject({
      jobId: 'timed',
      scheduledRunTime: new Date(T0),
      outcome: 'success',
      error: null,
      returnValue: { answer: 42 },
      schedulerId: 'sched-1',
    });
    // Nobody listens: no event at all, neither published nor through the legacy emit.
    expect(runs.publish).not.toHaveBeenCalled();
    expect(emit).not.toHaveBeenCalled();
    expect(runs.listens).toHaveBeenCalledWith(EVENT_JOB_EXECUTED);
  });

  it('publishes EVENT_JOB_EXECUTED with Date fields when a listener wants it, beside the record', async () => {
    const { runs, records, published } = makeRuns({ listening: (code) => code === EVENT_JOB_EXECUTED });
    const { executor, clock, wait, emit } = start({ runs });
    executor.submitJobs([submission(makeJob({ id: 'heard', func: wait(250, 'value') }))]);
    await clock.advance(250);
    await settle();
    expect(records).toHaveLength(1);
    expect(published).toHaveLength(1);
    const event = outcome(published[0]);
    expect(event).toMatchObject({
      code: EVENT_JOB_EXECUTED,
      jobId: 'heard',
      jobStore: 'default',
      scheduledRunTime: new Date(T0),
      retval: 'value',
    });
    expect(event.startedAt).toBeInstanceOf(Date);
    expect(event.finishedAt).toBeInstanceOf(Date);
    expect(event.startedAt).toEqual(new Date(T0));
    expect(event.finishedAt).toEqual(new Date(T0 + 250));
    expect(event.startedAt).toEqual(records[0]?.record.startedAt);
    expect(event.finishedAt).toEqual(records[0]?.record.finishedAt);
    expect(emit).not.toHaveBeenCalled();
  });

  it('publishes events without records when the run history is off', async () => {
    const { runs, published } = makeRuns({ listening: true, history: false });
    const { executor, emit } = start({ runs });
    executor.submitJobs([submission(makeJob({ id: 'no-history', func: () => 7 }))]);
    await settle();
    expect(published.map((event) => [event.code, outcome(event).retval])).toEqual([[EVENT_JOB_EXECUTED, 7]]);
    expect(emit).not.toHaveBeenCalled();
  });

  it('records a failed run without publishing its event when nobody listens', async () => {
    const { runs, records } = makeRuns({ listening: false });
    const { executor, emit } = start({ runs });
    executor.submitJobs([
      submission(makeJob({ id: 'fails', func: () => Promise.reject(new Error('async boom')) })),
    ]);
    await settle();
    expect(records).toHaveLength(1);
    expect(records[0]?.record).toMatchObject({ jobId: 'fails', outcome: 'error' });
    expect(records[0]?.record.error?.message).toBe('async boom');
    expect(records[0]?.record.startedAt).toEqual(new Date(T0));
    expect(runs.publish).not.toHaveBeenCalled();
    expect(emit).not.toHaveBeenCalled();
  });

  it('records a missed run with null times and publishes EVENT_JOB_MISSED only to listeners', async () => {
    const quiet = makeRuns({ listening: false });
    const first = start({ runs: quiet.runs });
    const late = makeJob({ id: 'late', func: () => 'never', misfireGraceTime: 1 });
    first.executor.submitJobs([submission(late, [new Date(T0 - 10_000)])]);
    await settle();
    expect(quiet.records.map(({ record }) => record.outcome)).toEqual(['missed']);
    expect(quiet.records[0]?.record.startedAt).toBeNull();
    expect(quiet.records[0]?.record.finishedAt).toBeNull();
    expect(quiet.published).toEqual([]);
    await first.executor.shutdown({ wait: true });

    const heard = makeRuns({ listening: true });
    const second = start({ runs: heard.runs });
    second.executor.submitJobs([submission(late, [new Date(T0 - 10_000)])]);
    await settle();
    expect(heard.published).toEqual([
      { code: EVENT_JOB_MISSED, jobId: 'late', jobStore: 'default', scheduledRunTime: new Date(T0 - 10_000) },
    ]);
    expect(second.emit).not.toHaveBeenCalled();
  });

  it('without context.runs, reports through emit with Date fields (the legacy path)', async () => {
    const { executor, clock, wait, events, emit } = start();
    executor.submitJobs([submission(makeJob({ id: 'legacy', func: wait(400, 'old') }))]);
    await clock.advance(400);
    await settle();
    expect(emit).toHaveBeenCalledTimes(1);
    const event = outcome(events[0]);
    expect(event).toMatchObject({ code: EVENT_JOB_EXECUTED, jobId: 'legacy', retval: 'old' });
    expect(event.startedAt).toEqual(new Date(T0));
    expect(event.finishedAt).toEqual(new Date(T0 + 400));
  });

  it('without context.runs, skips the executed event nobody wants but still emits errors', async () => {
    const { executor, events } = start({ wants: false });
    executor.submitJobs([
      submission(makeJob({ id: 'ok', func: () => 1 })),
      submission(makeJob({ id: 'bad', func: () => Promise.reject(new Error('x')) })),
    ]);
    await settle();
    expect(events.map((event) => [event.code, event.jobId])).toEqual([[EVENT_JOB_ERROR, 'bad']]);
  });
});
