// The run queue on a fake clock (instances per job, the queue beyond the executor's concurrency,
// the misfire check as a run starts, retries, both shutdowns), seen through the simplest executor.
import { describe, expect, it } from 'vitest';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  EVENT_JOB_RETRY,
  MaxInstancesReachedError,
  currentJob,
  type JobContext,
  type JobExecutionEvent,
  type JobRetryEvent,
} from '../../../src/index.js';
import { ExecutorShutdownError, JobTimeoutError } from '../../../src/executors/errors.js';
import { readRetry } from '../../../src/scheduler/options.js';
import { settle } from '../../../src/testing.js';
import { T0, makeJob } from '../../helpers/jobs.js';
import { useLoopRuns } from './harness.js';

const start = useLoopRuns();
const outcome = (event: unknown) => event as JobExecutionEvent;

describe('RunQueue', () => {
  it('counts instances per submission until all its run times are done', async () => {
    const { queue, submit, events, wait, clock } = await start();
    // No grace limit: the third run starts 2 s after its time, by design.
    const job = makeJob('job', null, { func: wait(1000), maxInstances: 1, misfireGraceTime: null });
    submit(job, 3);
    await settle();
    expect(queue.runningInstances('job')).toBe(1);
    expect(() => submit(job)).toThrow(MaxInstancesReachedError);
    await clock.advance(2000);
    expect(events).toHaveLength(2);
    expect(queue.runningInstances('job')).toBe(1);
    await clock.advance(1000);
    expect(events.map((event) => event.code)).toEqual([
      EVENT_JOB_EXECUTED,
      EVENT_JOB_EXECUTED,
      EVENT_JOB_EXECUTED,
    ]);
    expect(queue.runningInstances('job')).toBe(0);
  });

  it('queues beyond maxConcurrency and checks the grace time when a queued run starts', async () => {
    const { submit, events, wait, clock } = await start({ maxConcurrency: 1 });
    submit(makeJob('long', null, { func: wait(2000) }));
    submit(makeJob('strict', null, { func: () => 'late', misfireGraceTime: 1 }));
    submit(makeJob('lenient', null, { func: () => 'fine', misfireGraceTime: null }));
    await clock.advance(2000);
    expect(events.map((event) => [event.code, outcome(event).jobId])).toEqual([
      [EVENT_JOB_EXECUTED, 'long'],
      [EVENT_JOB_MISSED, 'strict'],
      [EVENT_JOB_EXECUTED, 'lenient'],
    ]);
    expect(outcome(events[1]).startedAt).toBeUndefined();
  });

  it('reports an error as an event and never throws it at the caller', async () => {
    const { submit, events } = await start();
    const bug = () => {
      throw new TypeError('bug');
    };
    submit(makeJob('job', null, { func: bug }));
    await settle();
    expect(events[0]).toMatchObject({ code: EVENT_JOB_ERROR, timedOut: false });
    expect(outcome(events[0]).exception).toBeInstanceOf(TypeError);
    expect(outcome(events[0]).traceback).toContain('TypeError: bug');
  });

  it('retries with exponential backoff on the clock, one EVENT_JOB_RETRY per failed attempt', async () => {
    const { queue, submit, events, clock } = await start();
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error(`failure ${calls}`), { name: 'NetworkError' });
      return `ok after ${calls}`;
    };
    submit(
      makeJob('job', null, {
        func: flaky,
        retry: readRetry({ attempts: 4, delay: 1, retryOn: ['NetworkError'] }),
      }),
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
    expect(queue.runningInstances('job')).toBe(0);
  });

  it('retries a timed-out attempt when the policy allows, and ends with the last error', async () => {
    const { submit, events, clock } = await start();
    const retry = readRetry({ attempts: 2, delay: 1, backoff: 'fixed' });
    const contexts: JobContext[] = [];
    const hang = () => (contexts.push(currentJob()!), new Promise(() => {}));
    submit(makeJob('job', null, { func: hang, timeout: 1, retry }));
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

  it('shutdown(true) waits for running jobs, gives up pending retries and refuses new jobs', async () => {
    const { queue, submit, events, wait, clock } = await start();
    submit(makeJob('running', null, { func: wait(1000, 'done') }));
    const down = () => {
      throw new Error('down');
    };
    submit(makeJob('retrying', null, { func: down, retry: readRetry(3) }));
    await settle();
    let resolved = false;
    const stopping = queue.shutdown(true).then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false);
    expect(() => submit(makeJob('late', null))).toThrow(ExecutorShutdownError);
    await clock.advance(1000);
    await stopping;
    expect(events.map((event) => [event.code, outcome(event).jobId])).toEqual([
      [EVENT_JOB_RETRY, 'retrying'],
      [EVENT_JOB_ERROR, 'retrying'],
      [EVENT_JOB_EXECUTED, 'running'],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('shutdown(true) gives up a pending retry and still runs the later run times of its submission', async () => {
    const { queue, submission, events, clock } = await start();
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error(`failure ${calls}`);
    };
    const job = makeJob('backlog', null, { func: failing, retry: readRetry(3), misfireGraceTime: null });
    // Two run times due at once (a job that does not coalesce): the first fails and waits to retry.
    queue.submit(submission(job, [new Date(T0 - 1000), new Date(T0)]));
    await settle();
    expect(events.map((event) => event.code)).toEqual([EVENT_JOB_RETRY]);
    const stopped = await Promise.race([
      queue.shutdown(true).then(() => 'stopped'),
      clock.advance(60_000).then(() => 'still waiting a minute later'),
    ]);
    expect(stopped).toBe('stopped');
    // The first run ends in its error; the second runs once, with no retry during the shutdown.
    expect(events.map((event) => [event.code, outcome(event).scheduledRunTime.getTime()])).toEqual([
      [EVENT_JOB_RETRY, T0 - 1000],
      [EVENT_JOB_ERROR, T0 - 1000],
      [EVENT_JOB_ERROR, T0],
    ]);
    expect(calls).toBe(2);
    expect(queue.runningInstances('backlog')).toBe(0);
  });

  it('shutdown(false) aborts running jobs, drops queued runs and resolves at once', async () => {
    const { queue, submit, events, wait } = await start({ maxConcurrency: 1 });
    let signal: AbortSignal | undefined;
    const hang = () => ((signal = currentJob()!.signal), new Promise(() => {}));
    submit(makeJob('running', null, { func: hang }));
    submit(makeJob('queued', null, { func: wait(10) }));
    await settle();
    await queue.shutdown(false);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(ExecutorShutdownError);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ code: EVENT_JOB_ERROR, jobId: 'running', timedOut: false });
    expect(queue.runningInstances('queued')).toBe(0);
    expect(queue.runningInstances('running')).toBe(0);
  });

  it('starts again after a shutdown, and refuses to start twice', async () => {
    const { queue, context, submit, events } = await start();
    await expect(queue.start(context)).rejects.toThrow(ExecutorShutdownError);
    await queue.shutdown(true);
    await queue.start(context);
    submit(makeJob('job', null, { func: () => 'again' }));
    await settle();
    expect(outcome(events[0]).retval).toBe('again');
  });
});
