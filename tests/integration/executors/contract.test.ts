// The executor contract (src/executors/executor.ts), run against all three executors with real
// threads and processes, on the path the scheduler uses: each executor behind its run queue
// (tests/unit/runs/harness.ts). Behaviour particular to one executor lives in its own test file.
import { describe, expect, it, vi } from 'vitest';
import {
  AsyncExecutor,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_RETRY,
  MaxInstancesReachedError,
  type JobExecutionEvent,
  type JobRetryEvent,
} from '../../../src/index.js';
import { ExecutorShutdownError, JobTimeoutError } from '../../../src/executors/errors.js';
import type { Executor } from '../../../src/executors/executor.js';
import { ProcessExecutor } from '../../../src/executors/process-executor.js';
import { ThreadExecutor } from '../../../src/executors/thread-executor.js';
import { readRetry } from '../../../src/scheduler/options.js';
import { FakeClock } from '../../../src/testing.js';
import { childPids, fixtureJob, sleep, threadCount, useMarks, useRuns, waitUntil } from './helpers.js';

// Each wait below has its own deadline, with a clear message; the test's own limit stays above them.
vi.setConfig({ testTimeout: 60_000 });
const newMarks = useMarks();
const startRuns = useRuns();

interface Subject {
  name: string;
  make(): Executor;
  /** A job that never finishes on its own. */
  hang: string;
}

const subjects: Subject[] = [
  { name: 'AsyncExecutor', make: () => new AsyncExecutor(), hang: 'never' },
  { name: 'ThreadExecutor', make: () => new ThreadExecutor({ maxWorkers: 2 }), hang: 'spin' },
  { name: 'ProcessExecutor', make: () => new ProcessExecutor({ maxWorkers: 2 }), hang: 'spin' },
];

describe.each(subjects)('$name', ({ name, make, hang }) => {
  const start = (clock?: FakeClock) => startRuns(make(), { clock });

  it('runs a job and reports its return value, start and finish', async () => {
    const { queue, submit, waitForEvents } = await start();
    const value = { when: new Date(0), tags: new Map([['a', 1]]), list: [1, 'two', null] };
    submit(fixtureJob('job', 'echo', { args: [value] }));
    const [event] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(event?.retval).toEqual(value);
    expect(event?.startedAt).toBeInstanceOf(Date);
    expect(event?.finishedAt!.getTime()).toBeGreaterThanOrEqual(event!.startedAt!.getTime());
    expect(queue.runningInstances('job')).toBe(0);
  });

  it('resolves dotted exports', async () => {
    const { submit, waitForEvents } = await start();
    submit(fixtureJob('job', 'nested.math.double', { args: [21] }));
    const [event] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(event?.retval).toBe(42);
  });

  it("reports a job's error with its class name, message, stack, properties and cause", async () => {
    const { submit, waitForEvents } = await start();
    submit(fixtureJob('a', 'fail', { args: ['bad address'] }));
    submit(fixtureJob('b', 'reject', { args: ['out of range'] }));
    submit(fixtureJob('c', 'failWithCause'));
    submit(fixtureJob('d', 'throwString'));
    const events = (await waitForEvents(4, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    const byId = (id: string) =>
      events.find((event) => event.jobId === id)!.exception as Error & Record<string, unknown>;
    expect(byId('a')).toMatchObject({
      name: 'ValidationError',
      message: 'bad address',
      code: 'E_VALIDATION',
      field: 'email',
    });
    expect(byId('a').stack).toContain('jobs.mjs');
    expect(byId('b')).toBeInstanceOf(RangeError);
    expect((byId('c').cause as Error).name).toBe('TypeError');
    expect(byId('d')).toBe('plain string');
    for (const event of events) expect(event.timedOut).toBe(false);
  });

  it('times a run out and carries on with the next', async () => {
    const { submit, waitForEvents } = await start();
    const started = Date.now();
    submit(fixtureJob('slow', hang, { timeout: 0.2 }));
    const [error] = (await waitForEvents(1, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(error).toMatchObject({ jobId: 'slow', timedOut: true });
    expect(error?.exception).toBeInstanceOf(JobTimeoutError);
    expect(error?.exception).toMatchObject({ code: 'ERR_JOB_TIMEOUT', timeout: 0.2 });
    submit(fixtureJob('next', 'add', { args: [2, 3] }));
    const [done] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(done?.retval).toBe(5);
  });

  it('refuses a submission beyond maxInstances while the job runs', async () => {
    const { queue, submit, waitForEvents } = await start();
    const job = fixtureJob('job', 'sleep', { args: [300, 'ok'], maxInstances: 1 });
    submit(job);
    expect(() => submit(job)).toThrow(MaxInstancesReachedError);
    expect(queue.runningInstances('job')).toBe(1);
    const wider = fixtureJob('wide', 'sleep', { args: [50], maxInstances: 2 });
    submit(wider);
    submit(wider);
    expect(queue.runningInstances('wide')).toBe(2);
    await waitForEvents(3, EVENT_JOB_EXECUTED);
    expect(queue.runningInstances('job')).toBe(0);
    submit(job);
    await waitForEvents(4, EVENT_JOB_EXECUTED);
  });

  it('retries a failed run with backoff on the injected clock', async () => {
    const clock = new FakeClock();
    const { queue, submit, events, waitForEvents } = await start(clock);
    const key = `${name}-${Math.random()}`;
    const retry = readRetry({ attempts: 3, delay: 1, backoff: 'exponential' });
    submit(fixtureJob('job', 'flaky', { args: [key, 2], retry }));
    const [first] = (await waitForEvents(1, EVENT_JOB_RETRY)) as JobRetryEvent[];
    expect(first).toMatchObject({ attempt: 1, maxAttempts: 3, delay: 1, timedOut: false });
    expect((first?.exception as Error).name).toBe('FlakyError');
    await sleep(50);
    expect(events).toHaveLength(1); // waiting on the fake clock, not on real time
    await clock.advance(1000);
    const retries = (await waitForEvents(2, EVENT_JOB_RETRY)) as JobRetryEvent[];
    expect(retries[1]).toMatchObject({ attempt: 2, delay: 2 });
    await clock.advance(1999);
    await sleep(50);
    expect(events).toHaveLength(2);
    await clock.advance(1);
    const [done] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(done?.retval).toBe(3);
    expect(queue.runningInstances('job')).toBe(0);
  });

  it('fails at once on an error retryOn does not list, and after the last attempt', async () => {
    const clock = new FakeClock();
    const { submit, waitForEvents } = await start(clock);
    const key = `${name}-${Math.random()}`;
    const retry = readRetry({ attempts: 2, delay: 5, retryOn: ['NetworkError'] });
    submit(fixtureJob('other', 'flaky', { args: [key, 5, 'TypeError'], retry }));
    const [error] = (await waitForEvents(1, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    expect((error?.exception as Error).name).toBe('TypeError');
    submit(fixtureJob('net', 'flaky', { args: [`${key}-net`, 5, 'NetworkError'], retry }));
    await waitForEvents(1, EVENT_JOB_RETRY);
    await clock.advance(5000);
    const errors = (await waitForEvents(2, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    expect(errors[1]).toMatchObject({ jobId: 'net' });
    expect((errors[1]?.exception as Error).message).toBe('attempt 2 failed');
  });

  it('shutdown({ wait: true }) waits for running jobs', async () => {
    const { queue, submit, events } = await start();
    const marks = newMarks();
    submit(fixtureJob('job', 'marked', { args: marks.args('job', 'sleep', 300, 'finished') }));
    await marks.waitForStarts(1);
    await queue.shutdown(true);
    expect(events.map((event) => (event as JobExecutionEvent).retval)).toEqual(['finished']);
    expect(() => submit(fixtureJob('job', 'noop'))).toThrow(ExecutorShutdownError);
  });

  it('shutdown({ wait: false }) aborts running jobs, drops queued ones and leaves nothing running', async () => {
    const pidsBefore = new Set(childPids());
    const threadsBefore = threadCount();
    const { queue, submit, events, waitForEvents } = await start();
    submit(fixtureJob('add', 'add', { args: [1, 1] }));
    await waitForEvents(1, EVENT_JOB_EXECUTED); // workers are up
    const marks = newMarks();
    for (const id of ['h1', 'h2', 'h3']) {
      submit(fixtureJob(id, 'marked', { args: marks.args(id, hang) }));
    }
    await marks.waitForStarts(2);
    const started = Date.now();
    await queue.shutdown(false);
    // No waiting for the never-ending jobs. Measured at most 0.22 s at load 14 (six CPU hogs on two
    // cores, four test files at once); the bound is over 20 times that.
    expect(Date.now() - started).toBeLessThan(5000);
    const errors = events.filter((event) => event.code === EVENT_JOB_ERROR) as JobExecutionEvent[];
    // Two were running (one for each worker, or under maxConcurrency on the event loop).
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const error of errors) expect(error.exception).toBeInstanceOf(ExecutorShutdownError);
    expect(queue.runningInstances('h3')).toBe(0);
    expect(childPids().filter((pid) => !pidsBefore.has(pid))).toEqual([]);
    // An exited worker's OS thread is joined just after its exit event.
    await waitUntil(
      () => threadCount() <= threadsBefore,
      () => `the worker threads to end: ${threadCount()} threads, ${threadsBefore} before`,
    );
  });
});
