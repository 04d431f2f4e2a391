// The executors under a real Scheduler: run history through `getRuns`, maxInstances, retries as
// events, a crashing worker that the scheduler survives, and shutdown leaving nothing running.
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  Scheduler,
  silentLogger,
  type JobExecutionEvent,
  type JobRetryEvent,
  type SchedulerEventUnion,
} from '../../../src/index.js';
import '../../../src/executors/process-executor.js';
import '../../../src/executors/thread-executor.js';
import { FakeClock } from '../../../src/testing.js';
import { childPids, ref, sleep } from './helpers.js';

let scheduler: Scheduler | undefined;
afterEach(async () => {
  if (scheduler !== undefined && scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
  scheduler = undefined;
});

function makeScheduler(type: string, options: { clock?: FakeClock } = {}) {
  const executor = type === 'async' ? { type } : { type, maxWorkers: 2 };
  scheduler = new Scheduler({
    logger: silentLogger,
    timezone: 'UTC',
    executors: { default: executor },
    ...options,
  });
  const events: SchedulerEventUnion[] = [];
  scheduler.addListener((event) => events.push(event));
  async function waitFor(code: number, count: number, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (events.filter((event) => event.code === code).length < count) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${count} events ${code}`);
      await sleep(5);
    }
    return events.filter((event) => event.code === code);
  }
  return { scheduler, events, waitFor };
}

describe.each(['async', 'thread', 'process'])('the %s executor under a Scheduler', (type) => {
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
    while (retries.length === 0) await sleep(5);
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
    while (retries.length === 0) await sleep(5);
    await clock.advance(5000);
    let runs = await scheduler.getRuns('once-flaky');
    for (let i = 0; i < 400 && runs.length === 0; i++) {
      await sleep(5);
      runs = await scheduler.getRuns('once-flaky');
    }
    expect(retries).toHaveLength(1);
    expect(runs.map((run) => run.outcome)).toEqual(['success']);
  });

  it.each(['thread', 'process'])(
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
    scheduler.registerTask('closure-task', () => 1);
    await expect(scheduler.addJob('closure-task', null)).rejects.toThrow(/registerTask\('closure-task'/);
  });

  it.each(['thread', 'process'])(
    'shutdown with and without waiting leaves no %s worker running',
    async (type) => {
      const pidsBefore = new Set(childPids());
      const { scheduler, waitFor } = makeScheduler(type);
      await scheduler.start();
      await scheduler.addJob(ref('sleep'), null, { id: 'short', args: [300, 'done'] });
      await sleep(100);
      await scheduler.shutdown({ wait: true });
      expect(((await waitFor(EVENT_JOB_EXECUTED, 1))[0] as JobExecutionEvent).retval).toBe('done');
      expect(childPids().filter((pid) => !pidsBefore.has(pid))).toEqual([]);

      await scheduler.start();
      await scheduler.addJob(ref('spin'), null, { id: 'forever' });
      await scheduler.addJob(ref('spin'), null, { id: 'forever2' });
      await sleep(300);
      const started = Date.now();
      await scheduler.shutdown({ wait: false });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(childPids().filter((pid) => !pidsBefore.has(pid))).toEqual([]);
    },
  );
});
