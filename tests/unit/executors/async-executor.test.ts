// The event-loop executor on a fake clock: everything BaseExecutor shares (instances, queue,
// misfire check at start, timeouts, retries, shutdown), seen through the simplest executor.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  EVENT_JOB_RETRY,
  InvalidArgumentError,
  MaxInstancesReachedError,
  currentJob,
  type JobContext,
  type JobExecutionEvent,
  type JobRetryEvent,
} from '../../../src/index.js';
import { ExecutorShutdownError, JobTimeoutError } from '../../../src/executors/errors.js';
import { readRetry } from '../../../src/scheduler/options.js';
import { FakeClock, settle } from '../../../src/testing.js';
import { makeContext, makeJob, submit } from './harness.js';

const T0 = Date.UTC(2026, 0, 1);
let executor: AsyncExecutor | undefined;
afterEach(async () => {
  await executor?.shutdown({ wait: false });
  executor = undefined;
});

function start(options: { maxConcurrency?: number; wants?: boolean } = {}) {
  const clock = new FakeClock(T0);
  executor = new AsyncExecutor({ maxConcurrency: options.maxConcurrency });
  const harness = makeContext({ clock, alias: 'loop', wants: options.wants });
  void executor.start(harness.context);
  /** A job body that waits `ms` on the fake clock. */
  const wait = (ms: number, value?: unknown) => () =>
    new Promise((done) => clock.setTimer(() => done(value), ms));
  return { executor, clock, wait, ...harness };
}

const outcome = (event: unknown) => event as JobExecutionEvent;

describe('AsyncExecutor', () => {
  it('validates maxConcurrency', () => {
    expect(() => new AsyncExecutor({ maxConcurrency: 0 })).toThrow(InvalidArgumentError);
    expect(new AsyncExecutor().maxConcurrency).toBe(10);
  });

  it('runs sync and async jobs, each seeing its own context, and reports start and finish', async () => {
    const { executor, context, events, wait, clock } = start();
    let seen: JobContext | undefined;
    submit(executor, context, makeJob({ id: 'sync', func: (a: number, b: number) => a + b, args: [2, 3] }));
    submit(
      executor,
      context,
      makeJob({ id: 'async', func: () => wait(1500, 'later')().then((v) => ((seen = currentJob()), v)) }),
    );
    await settle();
    expect(events.map(outcome).map((event) => [event.jobId, event.retval])).toEqual([['sync', 5]]);
    await clock.advance(1500);
    const done = outcome(events[1]);
    expect(done).toMatchObject({ code: EVENT_JOB_EXECUTED, jobId: 'async', retval: 'later' });
    expect(done.finishedAt!.getTime() - done.startedAt!.getTime()).toBe(1500);
    expect(seen).toMatchObject({
      jobId: 'async',
      jobStore: 'default',
      executor: 'loop',
      scheduledRunTime: new Date(T0),
    });
    expect(seen?.signal.aborted).toBe(false);
  });

  it('counts instances per submission until all its run times are done', async () => {
    const { executor, context, events, wait, clock } = start();
    const job = makeJob({ func: wait(1000), maxInstances: 1 });
    submit(executor, context, job, 3);
    await settle();
    expect(executor.runningInstances('job')).toBe(1);
    expect(() => submit(executor, context, job)).toThrow(MaxInstancesReachedError);
    await clock.advance(2000);
    expect(events).toHaveLength(2);
    expect(executor.runningInstances('job')).toBe(1);
    await clock.advance(1000);
    expect(events.map((event) => event.code)).toEqual([
      EVENT_JOB_EXECUTED,
      EVENT_JOB_EXECUTED,
      EVENT_JOB_EXECUTED,
    ]);
    expect(executor.runningInstances('job')).toBe(0);
  });

  it('queues beyond maxConcurrency and checks the grace time when a queued run starts', async () => {
    const { executor, context, events, wait, clock } = start({ maxConcurrency: 1 });
    submit(executor, context, makeJob({ id: 'long', func: wait(2000) }));
    submit(executor, context, makeJob({ id: 'strict', func: () => 'late', misfireGraceTime: 1 }));
    submit(executor, context, makeJob({ id: 'lenient', func: () => 'fine', misfireGraceTime: null }));
    await clock.advance(2000);
    expect(events.map((event) => [event.code, event.jobId])).toEqual([
      [EVENT_JOB_EXECUTED, 'long'],
      [EVENT_JOB_MISSED, 'strict'],
      [EVENT_JOB_EXECUTED, 'lenient'],
    ]);
    expect(outcome(events[1]).startedAt).toBeUndefined();
  });

  it('reports an error as an event and never throws it at the caller', async () => {
    const { executor, context, events } = start();
    submit(
      executor,
      context,
      makeJob({
        func: () => {
          throw new TypeError('bug');
        },
      }),
    );
    await settle();
    expect(events[0]).toMatchObject({ code: EVENT_JOB_ERROR, timedOut: false });
    expect(outcome(events[0]).exception).toBeInstanceOf(TypeError);
    expect(outcome(events[0]).traceback).toContain('TypeError: bug');
  });

  it('skips building EXECUTED events nobody wants, but always reports errors', async () => {
    const { executor, context, events } = start({ wants: false });
    submit(executor, context, makeJob({ id: 'ok', func: () => 1 }));
    submit(executor, context, makeJob({ id: 'bad', func: () => Promise.reject(new Error('x')) }));
    await settle();
    expect(events.map((event) => event.jobId)).toEqual(['bad']);
  });

  it('times out: aborts the job signal with JobTimeoutError and reports the run at the deadline', async () => {
    const { executor, context, events, clock } = start({ maxConcurrency: 1 });
    let reason: unknown;
    const cooperative = () =>
      new Promise((_, reject) => {
        const { signal } = currentJob()!;
        signal.addEventListener('abort', () => reject((reason = signal.reason)));
      });
    submit(executor, context, makeJob({ id: 'cooperative', func: cooperative, timeout: 2 }));
    submit(executor, context, makeJob({ id: 'stubborn', func: () => new Promise(() => {}), timeout: 0.5 }));
    await clock.advance(1999);
    expect(events).toHaveLength(0);
    await clock.advance(1);
    expect(reason).toBeInstanceOf(JobTimeoutError);
    expect(events[0]).toMatchObject({
      code: EVENT_JOB_ERROR,
      jobId: 'cooperative',
      timedOut: true,
      exception: reason,
    });
    expect(outcome(events[0]).finishedAt!.getTime() - outcome(events[0]).startedAt!.getTime()).toBe(2000);
    // The stubborn job ignores its signal: it is reported at its deadline all the same.
    await clock.advance(500);
    expect(events[1]).toMatchObject({ jobId: 'stubborn', timedOut: true });
    expect(executor.runningInstances('stubborn')).toBe(0);
  });

  it('retries with exponential backoff on the clock, one EVENT_JOB_RETRY per failed attempt', async () => {
    const { executor, context, events, clock } = start();
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error(`failure ${calls}`), { name: 'NetworkError' });
      return `ok after ${calls}`;
    };
    submit(
      executor,
      context,
      makeJob({ func: flaky, retry: readRetry({ attempts: 4, delay: 1, retryOn: ['NetworkError'] }) }),
    );
    await settle();
    expect(events[0]).toMatchObject({ code: EVENT_JOB_RETRY, attempt: 1, maxAttempts: 4, delay: 1 });
    expect((events[0] as JobRetryEvent).exception).toMatchObject({ message: 'failure 1' });
    await clock.advance(999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(events[1]).toMatchObject({ code: EVENT_JOB_RETRY, attempt: 2, delay: 2 });
    await clock.advance(2000);
    const done = outcome(events[2]);
    expect(done).toMatchObject({ code: EVENT_JOB_EXECUTED, retval: 'ok after 3' });
    // The run spans its attempts: from the first start to the last finish.
    expect(done.finishedAt!.getTime() - done.startedAt!.getTime()).toBe(3000);
    expect(executor.runningInstances('job')).toBe(0);
  });

  it('retries a timed-out attempt when the policy allows, and ends with the last error', async () => {
    const { executor, context, events, clock } = start();
    const retry = readRetry({ attempts: 2, delay: 1, backoff: 'fixed' });
    const contexts: JobContext[] = [];
    const hang = () => (contexts.push(currentJob()!), new Promise(() => {}));
    submit(executor, context, makeJob({ func: hang, timeout: 1, retry }));
    await clock.advance(1000);
    expect(events[0]).toMatchObject({ code: EVENT_JOB_RETRY, attempt: 1, timedOut: true });
    await clock.advance(1500);
    // The first attempt, still hanging, keeps its own (aborted) signal; the retry has a fresh one.
    expect(contexts[0]?.signal.aborted).toBe(true);
    expect(contexts[1]?.signal.aborted).toBe(false);
    await clock.advance(500);
    expect(events[1]).toMatchObject({ code: EVENT_JOB_ERROR, timedOut: true });
    expect(outcome(events[1]).exception).toBeInstanceOf(JobTimeoutError);
    expect(contexts[1]?.signal.reason).toBe(outcome(events[1]).exception);
    expect(events).toHaveLength(2);
  });

  it('shutdown({ wait: true }) waits for running jobs, gives up pending retries and refuses new jobs', async () => {
    const { executor, context, events, wait, clock } = start();
    submit(executor, context, makeJob({ id: 'running', func: wait(1000, 'done') }));
    submit(
      executor,
      context,
      makeJob({
        id: 'retrying',
        func: () => {
          throw new Error('down');
        },
        retry: readRetry(3),
      }),
    );
    await settle();
    let resolved = false;
    const stopping = executor.shutdown({ wait: true }).then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false);
    expect(() => submit(executor, context, makeJob({ id: 'late' }))).toThrow(ExecutorShutdownError);
    await clock.advance(1000);
    await stopping;
    expect(events.map((event) => [event.code, event.jobId])).toEqual([
      [EVENT_JOB_RETRY, 'retrying'],
      [EVENT_JOB_ERROR, 'retrying'],
      [EVENT_JOB_EXECUTED, 'running'],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('shutdown({ wait: false }) aborts running jobs, drops queued runs and resolves at once', async () => {
    const { executor, context, events, wait } = start({ maxConcurrency: 1 });
    let signal: AbortSignal | undefined;
    submit(
      executor,
      context,
      makeJob({ id: 'running', func: () => ((signal = currentJob()!.signal), new Promise(() => {})) }),
    );
    submit(executor, context, makeJob({ id: 'queued', func: wait(10) }));
    await settle();
    await executor.shutdown({ wait: false });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(ExecutorShutdownError);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ code: EVENT_JOB_ERROR, jobId: 'running', timedOut: false });
    expect(executor.runningInstances('queued')).toBe(0);
    expect(executor.runningInstances('running')).toBe(0);
  });

  it('starts again after a shutdown, and refuses to start twice', async () => {
    const { executor, context, events } = start();
    await expect(executor.start(context)).rejects.toThrow(ExecutorShutdownError);
    await executor.shutdown({ wait: true });
    await executor.start(context);
    submit(executor, context, makeJob({ func: () => 'again' }));
    await settle();
    expect(outcome(events[0]).retval).toBe('again');
  });
});
