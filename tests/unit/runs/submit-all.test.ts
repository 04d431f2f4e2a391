// `RunQueue.submitAll`, as the scheduler hands over the jobs due in the same instant: it starts the
// runs it has room for in one loop before it returns, and reports their outcomes after it, on the
// event-loop executor on a fake clock.
import { describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  ExecutorShutdownError,
  type JobExecutionEvent,
} from '../../../src/index.js';
import { Run, type RunSubmission } from '../../../src/runs/attempt.js';
import type { RunQueue } from '../../../src/runs/run-queue.js';
import { settle } from '../../../src/testing.js';
import { T0, makeJob } from '../../helpers/jobs.js';
import { useLoopRuns } from './harness.js';

const start = useLoopRuns();
const outcome = (event: unknown) => event as JobExecutionEvent;

describe('RunQueue.submitAll', () => {
  it('runs a submission made as a Run itself, and one submitted twice twice', async () => {
    const { queue, events } = await start({ maxConcurrency: 4 });
    let calls = 0;
    const job = makeJob('twice', null, { func: () => ++calls, maxInstances: 2 });
    const run = new Run(job, 'default', [new Date(T0)]);
    expect(queue.submitAll([run, run])).toEqual([]);
    expect(calls).toBe(2);
    await Promise.resolve();
    expect(events.map((event) => outcome(event).retval)).toEqual([1, 2]);
    expect(queue.runningInstances('twice')).toBe(0);
  });

  it('starts every accepted run before it returns, in submission order', async () => {
    const { queue, submission } = await start({ maxConcurrency: 2 });
    const calls: string[] = [];
    const batch = Array.from({ length: 20 }, (_, i) =>
      submission(makeJob(`job-${i}`, null, { func: () => calls.push(`job-${i}`) })),
    );
    const refused = queue.submitAll(batch);
    expect(refused).toEqual([]);
    expect(calls).toEqual(batch.map((s) => s.job.id));
  });

  it('starts async jobs up to maxConcurrency before it returns and queues the rest', async () => {
    const { queue, submission, clock, wait, events } = await start({ maxConcurrency: 3 });
    const started: string[] = [];
    const job = (id: string) =>
      makeJob(id, null, {
        func: () => {
          started.push(id);
          return wait(1000, id)();
        },
        // The last two start a second late.
        misfireGraceTime: null,
      });
    queue.submitAll(['a', 'b', 'c', 'd', 'e'].map((id) => submission(job(id))));
    expect(started).toEqual(['a', 'b', 'c']);
    await clock.advance(1000);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    await clock.advance(1000);
    expect(events.map((event) => outcome(event).retval)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reports no event before it returns, and every event on the next microtask', async () => {
    const { queue, submission, events } = await start();
    const batch = [1, 2, 3].map((n) => submission(makeJob(`job-${n}`, null, { func: () => n * 10 })));
    queue.submitAll(batch);
    expect(events).toEqual([]);
    await Promise.resolve();
    expect(events.map((event) => [event.code, outcome(event).jobId, outcome(event).retval])).toEqual([
      [EVENT_JOB_EXECUTED, 'job-1', 10],
      [EVENT_JOB_EXECUTED, 'job-2', 20],
      [EVENT_JOB_EXECUTED, 'job-3', 30],
    ]);
    await settle();
    expect(events).toHaveLength(3);
  });

  it('records no run before it returns either', async () => {
    const { queue, submission, kept, events } = await start();
    queue.submitAll([1, 2].map((n) => submission(makeJob(`job-${n}`, null, { func: () => n }))));
    expect(kept).toEqual([]);
    await Promise.resolve();
    expect(kept.map(({ record }) => [record.jobId, record.outcome])).toEqual([
      ['job-1', 'success'],
      ['job-2', 'success'],
    ]);
    expect(events.map((event) => [event.code, outcome(event).jobId])).toEqual([
      [EVENT_JOB_EXECUTED, 'job-1'],
      [EVENT_JOB_EXECUTED, 'job-2'],
    ]);
  });

  it('reports a run found missed as it starts at once, and still runs the others', async () => {
    const { queue, submission, kept } = await start();
    const calls: string[] = [];
    const late = makeJob('late', null, { func: () => calls.push('late'), misfireGraceTime: 1 });
    const fine = makeJob('fine', null, { func: () => calls.push('fine'), misfireGraceTime: null });
    queue.submitAll([submission(late, [new Date(T0 - 5000)]), submission(fine, [new Date(T0 - 5000)])]);
    expect(calls).toEqual(['fine']);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.record).toMatchObject({ jobId: 'late', outcome: 'missed', schedulerId: 'sched-1' });
    expect(kept[0]?.record.startedAt).toBeNull();
    expect(kept[0]?.record.finishedAt).toBeNull();
  });

  it('returns the submissions refused for maxInstances without throwing, and runs the others', async () => {
    const { queue, submission, clock, wait, events } = await start();
    const busy = makeJob('busy', null, { func: wait(1000, 'first'), maxInstances: 1 });
    expect(queue.submitAll([submission(busy)])).toEqual([]);
    expect(queue.runningInstances('busy')).toBe(1);

    let otherRan = false;
    const again = submission(busy);
    const other = submission(makeJob('other', null, { func: () => (otherRan = true) }));
    let refused: RunSubmission[] = [];
    expect(() => (refused = queue.submitAll([again, other]))).not.toThrow();
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBe(again);
    expect(otherRan).toBe(true);
    expect(queue.runningInstances('busy')).toBe(1);

    await clock.advance(1000);
    expect(events.map((event) => [event.code, outcome(event).jobId, outcome(event).retval])).toEqual([
      [EVENT_JOB_EXECUTED, 'other', true],
      [EVENT_JOB_EXECUTED, 'busy', 'first'],
    ]);
    expect(queue.runningInstances('busy')).toBe(0);
  });

  it('counts instances within one batch: a second submission of a maxInstances 1 job is refused', async () => {
    const { queue, submission, events } = await start();
    let calls = 0;
    const job = makeJob('once', null, { func: () => ++calls, maxInstances: 1 });
    const first = submission(job);
    const second = submission(job);
    expect(queue.submitAll([first, second])).toEqual([second]);
    await settle();
    expect(calls).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('throws ExecutorShutdownError when not started, accepting none', async () => {
    const { components, submission } = await start();
    // Added while the scheduler is stopped: its queue is not started.
    await components.addExecutor(new AsyncExecutor(), 'idle', false);
    const idle = components.queues.get('idle') as RunQueue;
    let calls = 0;
    const job = makeJob('never', null, { func: () => ++calls });
    expect(() => idle.submitAll([submission(job)])).toThrow(ExecutorShutdownError);
    await settle();
    expect(calls).toBe(0);
    expect(idle.runningInstances('never')).toBe(0);
  });

  it('throws ExecutorShutdownError while shutting down and after shutdown, accepting none', async () => {
    const { queue, submission, clock, wait, events } = await start();
    queue.submitAll([submission(makeJob('slow', null, { func: wait(1000) }))]);
    const stopping = queue.shutdown(true);
    let calls = 0;
    const job = makeJob('late', null, { func: () => ++calls });
    expect(() => queue.submitAll([submission(job)])).toThrow(ExecutorShutdownError);
    await clock.advance(1000);
    await stopping;
    expect(() => queue.submitAll([submission(job), submission(makeJob('late-2', null))])).toThrow(
      ExecutorShutdownError,
    );
    await settle();
    expect(calls).toBe(0);
    expect(queue.runningInstances('late')).toBe(0);
    expect(events.map((event) => outcome(event).jobId)).toEqual(['slow']);
  });

  it('turns a job that throws synchronously into an error outcome; the rest of the batch still runs', async () => {
    const { queue, submission, kept, events } = await start();
    const calls: string[] = [];
    const ok = (id: string) => makeJob(id, null, { func: () => (calls.push(id), id) });
    const bad = makeJob('bad', null, {
      func: () => {
        calls.push('bad');
        throw new TypeError('sync boom');
      },
    });
    let refused: RunSubmission[] = [];
    expect(
      () => (refused = queue.submitAll([submission(ok('a')), submission(bad), submission(ok('b'))])),
    ).not.toThrow();
    expect(refused).toEqual([]);
    expect(calls).toEqual(['a', 'bad', 'b']);
    await settle();
    expect(events.map((event) => [event.code, outcome(event).jobId])).toEqual([
      [EVENT_JOB_EXECUTED, 'a'],
      [EVENT_JOB_ERROR, 'bad'],
      [EVENT_JOB_EXECUTED, 'b'],
    ]);
    const error = outcome(events[1]);
    expect(error.exception).toBeInstanceOf(TypeError);
    expect(error.traceback).toContain('TypeError: sync boom');
    expect(error.timedOut).toBe(false);
    expect(kept.map(({ record }) => [record.jobId, record.outcome])).toEqual([
      ['a', 'success'],
      ['bad', 'error'],
      ['b', 'success'],
    ]);
    expect(kept[1]?.record.error).toMatchObject({ name: 'TypeError', message: 'sync boom' });
    expect(kept[1]?.record.returnValue).toBeNull();
    expect(queue.runningInstances('bad')).toBe(0);
  });

  it('runs every run time of a submission, one after another', async () => {
    const { queue, submission, kept } = await start();
    const seen: number[] = [];
    const job = makeJob('multi', null, { func: () => seen.push(seen.length), misfireGraceTime: null });
    const times = [new Date(T0 - 2000), new Date(T0 - 1000), new Date(T0)];
    queue.submitAll([submission(job, times)]);
    await settle();
    expect(seen).toEqual([0, 1, 2]);
    expect(kept.map(({ record }) => record.scheduledRunTime)).toEqual(times);
    expect(queue.runningInstances('multi')).toBe(0);
  });
});
