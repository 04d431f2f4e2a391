// The executors under a real Scheduler: run history through `getRuns`, maxInstances, retries as
// events, a crashing worker that the scheduler survives, and shutdown leaving nothing running.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_SUBMITTED,
  Scheduler,
  silentLogger,
  type JobExecutionEvent,
  type JobRetryEvent,
  type SchedulerEventUnion,
} from '../../../src/index.js';
import '../../../src/executors/process-executor.js';
import '../../../src/executors/thread-executor.js';
import { FakeClock } from '../../../src/testing.js';
import { childPids, ref, useMarks, waitUntil } from './helpers.js';

// Each wait below has its own deadline, with a clear message; the test's own limit stays above them.
vi.setConfig({ testTimeout: 60_000 });
const newMarks = useMarks();

let scheduler: Scheduler | undefined;
afterEach(async () => {
  if (scheduler !== undefined && scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
  scheduler = undefined;
});

function makeScheduler(type: 'async' | 'thread' | 'process', options: { clock?: FakeClock } = {}) {
  const executor = type === 'async' ? { type } : { type, maxWorkers: 2 };
  scheduler = new Scheduler({
    logger: silentLogger,
    timezone: 'UTC',
    executors: { default: executor },
    // No test here is about missed runs. With the default 1 s grace a loaded machine misses runs
    // that wait in the executor's queue while its workers start, and the outcome never comes.
    jobDefaults: { misfireGraceTime: null },
    ...options,
  });
  const events: SchedulerEventUnion[] = [];
  scheduler.addListener((event) => events.push(event));
  async function waitFor(code: number, count: number, timeoutMs = 20_000) {
    const matching = () => events.filter((event) => event.code === code);
    await waitUntil(
      () => matching().length >= count,
      () => {
        const got = events.map((event) => ('jobId' in event ? `${event.code}:${event.jobId}` : event.code));
        return `${count} events ${code}; got ${got.join(', ')}`;
      },
      timeoutMs,
    );
    return matching();
  }
  return { scheduler, events, waitFor };
}

describe.each(['async', 'thread', 'process'] as const)('the %s executor under a Scheduler', (type) => {
  it('records each outcome in the run history: success, error and timeout, with times', async () => {
    const { scheduler, waitFor } = makeScheduler(type);
    await scheduler.start();
    await scheduler.addJob(ref('add'), null, { id: 'ok', args: [20, 22] });
    await scheduler.addJob(ref('fail'), null, { id: 'bad', args: ['no such user'] });
    await scheduler.addJob(ref(type === 'async' ? 'never' : 'spin'), null, { id: 'slow', timeout: 0.2 });
    await waitFor(EVENT_JOB_EXECUTED, 1);
    await waitFor(EVENT_JOB_ERROR, 2);
    const [ok] = await scheduler.getRuns('ok');
    const [bad] = await scheduler.getRuns('bad');
    const [slow] = await scheduler.getRuns('slow');
    expect(ok).toMatchObject({ outcome: 'success', returnValue: 42, error: null });
    expect(bad).toMatchObject({
      outcome: 'error',
      error: { name: 'ValidationError', message: 'no such user' },
    });
    expect(bad?.error?.stack).toContain('jobs.mjs');
    expect(slow).toMatchObject({ outcome: 'timeout', error: { name: 'JobTimeoutError' } });
    for (const record of [ok, bad, slow]) {
      expect(record?.startedAt).toBeInstanceOf(Date);
      expect(record!.finishedAt!.getTime()).toBeGreaterThanOrEqual(record!.startedAt!.getTime());
    }
    expect(slow!.finishedAt!.getTime() - slow!.startedAt!.getTime()).toBeGreaterThanOrEqual(190);
    await scheduler.shutdown();
  });

  it('skips a run while maxInstances runs are in progress', async () => {
    const { scheduler, waitFor } = makeScheduler(type);
    await scheduler.addJob(ref('sleep'), 'interval', {
      milliseconds: 100,
      id: 'busy',
      args: [350],
      maxInstances: 1,
    });
    await scheduler.start();
    await waitFor(EVENT_JOB_MAX_INSTANCES, 2);
    await waitFor(EVENT_JOB_EXECUTED, 1);
    await scheduler.shutdown({ wait: false });
  });
});

describe('workers under a Scheduler', () => {
  it('a crashing worker process does not stop the scheduler or its other jobs', async () => {
    const { scheduler, events, waitFor } = makeScheduler('process');
    await scheduler.start();
    await scheduler.addJob(ref('exit'), null, { id: 'crash', args: [9] });
    await scheduler.addJob(ref('add'), 'interval', { milliseconds: 100, id: 'tick', args: [1, 1] });
    const [crash] = (await waitFor(EVENT_JOB_ERROR, 1)) as JobExecutionEvent[];
    expect(crash?.exception).toMatchObject({ reason: 'exit', exitCode: 9 });
    const before = events.filter((event) => event.code === EVENT_JOB_EXECUTED).length;
    await waitFor(EVENT_JOB_EXECUTED, before + 2);
    expect(scheduler.state).toBe('running');
    const [record] = await scheduler.getRuns('crash');
    expect(record).toMatchObject({ outcome: 'error', error: { name: 'WorkerCrashedError' } });
  });

  it('emits job_retry for each retried attempt, backoff on the scheduler clock', async () => {
    const clock = new FakeClock(Date.now());
    const { scheduler, waitFor } = makeScheduler('thread', { clock });
    const retries: JobRetryEvent[] = [];
    scheduler.on('job_retry', (event) => retries.push(event));
    await scheduler.start();
    await scheduler.addJob(ref('flaky'), null, {
      id: 'flaky',
      args: [`retry-${Math.random()}`, 1],
      retry: { attempts: 2, delay: 10 },
    });
    await clock.advance(0);
    await waitUntil(() => retries.length > 0, 'the first job_retry event');
    expect(retries[0]).toMatchObject({ jobId: 'flaky', attempt: 1, maxAttempts: 2, delay: 10 });
    await clock.advance(10_000);
    const [done] = (await waitFor(EVENT_JOB_EXECUTED, 1)) as JobExecutionEvent[];
    expect(done?.retval).toBe(2);
    expect(done!.finishedAt!.getTime() - done!.startedAt!.getTime()).toBeGreaterThanOrEqual(10_000);
  });

  it('keeps one run record per retried run, with its final outcome', async () => {
    const clock = new FakeClock(Date.now());
    const { scheduler } = makeScheduler('thread', { clock });
    const retries: JobRetryEvent[] = [];
    scheduler.on('job_retry', (event) => retries.push(event));
    await scheduler.start();
    await scheduler.addJob(ref('flaky'), null, {
      id: 'once-flaky',
      args: [`record-${Math.random()}`, 1],
      retry: { attempts: 3, delay: 1 },
    });
    await clock.advance(0);
    await waitUntil(() => retries.length > 0, 'the first job_retry event');
    await clock.advance(5000);
    const records = () => scheduler.getRuns('once-flaky');
    await waitUntil(async () => (await records()).length > 0, 'a run record of once-flaky');
    const runs = await records();
    expect(retries).toHaveLength(1);
    expect(runs.map((run) => run.outcome)).toEqual(['success']);
  });

  it.each(['thread', 'process'] as const)(
    'refuses a closure for a %s executor at addJob, changing nothing',
    async (type) => {
      const { scheduler } = makeScheduler(type);
      await scheduler.start();
      const error = await scheduler
        .addJob(() => 1, 'interval', { seconds: 1, id: 'closure' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', field: 'func' });
      expect((error as Error).message).toContain('module:export');
      expect(await scheduler.getJobs()).toEqual([]);
      await scheduler.addJob(ref('add'), 'interval', { seconds: 1, id: 'by-reference', args: [1, 2] });
      expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['by-reference']);
    },
  );

  it('runs a task registered by reference on a worker executor', async () => {
    const { scheduler, waitFor } = makeScheduler('thread');
    await scheduler.registerTask('adder', ref('add'));
    await scheduler.start();
    await scheduler.addJob('adder', null, { args: [2, 3] });
    const [done] = (await waitFor(EVENT_JOB_EXECUTED, 1)) as JobExecutionEvent[];
    expect(done?.retval).toBe(5);
    await scheduler.registerTask('closure-task', () => 1);
    await expect(scheduler.addJob('closure-task', null)).rejects.toThrow(/registerTask\('closure-task'/);
  });

  it.each(['thread', 'process'] as const)(
    'shutdown with and without waiting leaves no %s worker running',
    async (type) => {
      const pidsBefore = new Set(childPids());
      const { scheduler, waitFor } = makeScheduler(type);
      await scheduler.start();
      await scheduler.addJob(ref('sleep'), null, { id: 'short', args: [300, 'done'] });
      // Submitted is what shutdown({ wait: true }) needs: from then on the executor owes the run.
      await waitFor(EVENT_JOB_SUBMITTED, 1);
      await scheduler.shutdown({ wait: true });
      expect(((await waitFor(EVENT_JOB_EXECUTED, 1))[0] as JobExecutionEvent).retval).toBe('done');
      expect(childPids().filter((pid) => !pidsBefore.has(pid))).toEqual([]);

      await scheduler.start();
      const marks = newMarks();
      for (const id of ['forever', 'forever2']) {
        await scheduler.addJob(ref('marked'), null, { id, args: marks.args(id, 'spin') });
      }
      await marks.waitForStarts(2);
      const started = Date.now();
      await scheduler.shutdown({ wait: false });
      // No waiting for the never-ending jobs. Measured at most 0.22 s at load 14 (six CPU hogs on two
      // cores, four test files at once); the bound is over 20 times that.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(childPids().filter((pid) => !pidsBefore.has(pid))).toEqual([]);
    },
  );
});
