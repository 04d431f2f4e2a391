// `Scheduler.getJobHealth` / `Job.health` from the run history and the next run time, and
// `Scheduler.health` for liveness and readiness probes.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, JobLookupError, MemoryJobStore } from '../../../src/index.js';
import { T0, at, rejection, useSchedulers } from './helpers.js';

const setup = useSchedulers();

/** A memory store whose `getNextRunTime` can be made to hang (until released) or fail. */
class FlakyStore extends MemoryJobStore {
  mode: 'ok' | 'hang' | 'fail' = 'ok';
  private hung: (() => void)[] = [];

  override async getNextRunTime(): Promise<Date | null> {
    if (this.mode === 'fail') throw new Error('connection refused');
    if (this.mode === 'hang') await new Promise<void>((resolve) => this.hung.push(resolve));
    return super.getNextRunTime();
  }

  release(): void {
    this.mode = 'ok';
    for (const resolve of this.hung.splice(0)) resolve();
  }
}

describe('getJobHealth', () => {
  it('reports the last run, success and failure, and failures since the last success', async () => {
    const { clock, scheduler } = setup();
    const outcomes = ['ok', 'fail', 'ok', 'fail', 'fail'];
    let run = 0;
    const job = await scheduler.addJob(
      () => {
        if (outcomes[run++] === 'fail') throw new TypeError(`run ${run} failed`);
      },
      'interval',
      { seconds: 10, id: 'flaky', misfireGraceTime: 1 },
    );
    await scheduler.start();
    expect(await job.health()).toEqual({
      jobId: 'flaky',
      lastRun: null,
      lastSuccess: null,
      lastFailure: null,
      consecutiveFailures: 0,
      overdue: false,
      overdueSince: null,
    });
    await clock.advance(50_000);
    // A missed run after the failures: reported as the last failure, not counted as one.
    clock.jump(T0 + 65_000);
    scheduler.wakeup();
    await clock.advance(0);
    const health = await scheduler.getJobHealth('flaky');
    expect(health.lastRun).toMatchObject({ outcome: 'missed', scheduledRunTime: at(60_000) });
    expect(health.lastSuccess).toEqual(at(30_000));
    expect(health.lastFailure).toEqual({ at: at(60_000), outcome: 'missed', error: null });
    expect(health.consecutiveFailures).toBe(2);
    await clock.advance(5000);
    const after = await scheduler.getJobHealth('flaky');
    expect(after.lastRun).toMatchObject({ outcome: 'success', scheduledRunTime: at(70_000) });
    expect(after.consecutiveFailures).toBe(0);
    expect(after.lastFailure).toMatchObject({ outcome: 'missed' });
  });

  it('gives the error of the last failed run', async () => {
    const { clock, scheduler } = setup();
    await scheduler.addJob(
      () => {
        throw new RangeError('out of range');
      },
      'interval',
      { seconds: 10, id: 'broken' },
    );
    await scheduler.start();
    await clock.advance(20_000);
    const health = await scheduler.getJobHealth('broken');
    expect(health.lastFailure).toMatchObject({
      at: at(20_000),
      outcome: 'error',
      error: { name: 'RangeError', message: 'out of range' },
    });
    expect(health.consecutiveFailures).toBe(2);
    expect(health.lastSuccess).toBeNull();
  });

  it('is overdue when the next run time passed beyond the misfire grace time without a run', async () => {
    const { clock, scheduler } = setup();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 10, id: 'late', misfireGraceTime: 5 });
    await scheduler.addJob(() => undefined, 'interval', {
      seconds: 10,
      id: 'nolimit',
      misfireGraceTime: null,
    });
    await scheduler.addJob(() => undefined, 'interval', { seconds: 10, id: 'paused', nextRunTime: null });
    await scheduler.start();
    // The machine sleeps: time passes and no timer fires, so nothing runs.
    clock.jump(T0 + 15_000);
    expect(await scheduler.getJobHealth('late')).toMatchObject({ overdue: false, overdueSince: null });
    expect(await scheduler.getJobHealth('nolimit')).toMatchObject({
      overdue: true,
      overdueSince: at(10_000),
    });
    clock.jump(T0 + 15_001);
    expect(await scheduler.getJobHealth('late')).toMatchObject({ overdue: true, overdueSince: at(10_000) });
    expect((await scheduler.getJobHealth('paused')).overdue).toBe(false);
    // A paused scheduler runs nothing by choice: nothing is overdue.
    scheduler.pause();
    expect((await scheduler.getJobHealth('late')).overdue).toBe(false);
    scheduler.resume();
    await clock.advance(0);
    expect((await scheduler.getJobHealth('nolimit')).overdue).toBe(false);
    expect(await rejection(scheduler.getJobHealth('nope'))).toBeInstanceOf(JobLookupError);
  });
});

describe('health', () => {
  it('is neither live nor ready while stopped, both while running, live only while paused', async () => {
    const { scheduler } = setup();
    const stopped = await scheduler.health();
    expect(stopped).toMatchObject({ live: false, ready: false, state: 'stopped' });
    await scheduler.start();
    const running = await scheduler.health();
    expect(running).toMatchObject({
      live: true,
      ready: true,
      state: 'running',
      stores: { default: { ok: true, latencyMs: 0 } },
      executors: { default: { running: 0, queued: 0, concurrency: 10 } },
      checkedAt: at(0),
    });
    scheduler.pause();
    expect(await scheduler.health()).toMatchObject({ live: true, ready: false, state: 'paused' });
  });

  it('is not ready when a store fails or does not answer within the timeout', async () => {
    const store = new FlakyStore();
    const { clock, scheduler } = setup({ jobStores: { default: new MemoryJobStore(), flaky: store } });
    await scheduler.start();
    store.mode = 'fail';
    const failed = await scheduler.health();
    expect(failed.ready).toBe(false);
    expect(failed.live).toBe(true);
    expect(failed.stores).toEqual({
      default: { ok: true, latencyMs: 0 },
      flaky: { ok: false, latencyMs: null, error: 'connection refused' },
    });
    store.mode = 'hang';
    const pending = scheduler.health({ timeoutMs: 500 });
    await clock.advance(500);
    const hung = await pending;
    expect(hung.ready).toBe(false);
    expect(hung.stores.flaky).toEqual({ ok: false, latencyMs: null, error: 'no answer within 500 ms' });
    store.release();
    expect((await scheduler.health()).ready).toBe(true);
    const error = await rejection(scheduler.health({ timeoutMs: 0 }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ field: 'timeoutMs' });
  });

  it("reports each executor's running and queued runs", async () => {
    const { clock, scheduler } = setup({ executors: { default: { type: 'async', maxConcurrency: 1 } } });
    const finish: (() => void)[] = [];
    const block = () => new Promise<void>((resolve) => finish.push(resolve));
    await scheduler.addJob(block, 'interval', { seconds: 10, id: 'a' });
    await scheduler.addJob(block, 'interval', { seconds: 10, id: 'b' });
    await scheduler.start();
    await clock.advance(10_000);
    expect((await scheduler.health()).executors).toEqual({
      default: { running: 1, queued: 1, concurrency: 1 },
    });
    finish.shift()?.();
    await clock.advance(0);
    expect((await scheduler.health()).executors.default).toMatchObject({ running: 1, queued: 0 });
  });
});
