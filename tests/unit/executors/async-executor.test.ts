// The event-loop executor behind its run queue on a fake clock: its options, the context each job
// sees, and timeouts, which it can only signal (code on the event loop cannot be stopped). What the
// run queue does around any executor is in tests/unit/runs/.
import { describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  InvalidArgumentError,
  currentJob,
  type JobContext,
  type JobExecutionEvent,
} from '../../../src/index.js';
import { JobTimeoutError } from '../../../src/executors/errors.js';
import { settle } from '../../../src/testing.js';
import { T0, makeJob } from '../../helpers/jobs.js';
import { useLoopRuns } from '../runs/harness.js';

const start = useLoopRuns();
const outcome = (event: unknown) => event as JobExecutionEvent;

describe('AsyncExecutor', () => {
  it('validates maxConcurrency', () => {
    expect(() => new AsyncExecutor({ maxConcurrency: 0 })).toThrow(InvalidArgumentError);
    expect(new AsyncExecutor().maxConcurrency).toBe(10);
  });

  it('runs sync and async jobs, each seeing its own context, and reports start and finish', async () => {
    const { submit, events, wait, clock } = await start();
    let seen: JobContext | undefined;
    submit(makeJob('sync', null, { func: (a: number, b: number) => a + b, args: [2, 3] }));
    const later = () => wait(1500, 'later')().then((v) => ((seen = currentJob()), v));
    submit(makeJob('async', null, { func: later }));
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

  it('times out: aborts the job signal with JobTimeoutError and reports the run at the deadline', async () => {
    const { queue, submit, events, clock } = await start({ maxConcurrency: 1 });
    let reason: unknown;
    const cooperative = () =>
      new Promise((_, reject) => {
        const { signal } = currentJob()!;
        signal.addEventListener('abort', () => reject((reason = signal.reason)));
      });
    submit(makeJob('cooperative', null, { func: cooperative, timeout: 2 }));
    // Queued behind the first for 2 s: no grace limit.
    const stubborn = () => new Promise(() => {});
    submit(makeJob('stubborn', null, { func: stubborn, timeout: 0.5, misfireGraceTime: null }));
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
    expect(queue.runningInstances('stubborn')).toBe(0);
  });
});
