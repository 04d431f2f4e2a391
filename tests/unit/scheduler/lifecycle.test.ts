import { describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  EVENT_ALL,
  EVENT_EXECUTOR_ADDED,
  EVENT_EXECUTOR_REMOVED,
  EVENT_JOBSTORE_ADDED,
  EVENT_JOBSTORE_REMOVED,
  EVENT_SCHEDULER_PAUSED,
  EVENT_SCHEDULER_RESUMED,
  EVENT_SCHEDULER_SHUTDOWN,
  EVENT_SCHEDULER_STARTED,
  LookupError,
  MemoryJobStore,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
  InvalidArgumentError,
  MAX_TIMER_DELAY_MS,
  SystemClock,
  type Clock,
} from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { T0, at, codes, makeScheduler } from './helpers.js';

describe('lifecycle', () => {
  it('moves through stopped, running, paused and back, emitting each event', async () => {
    const { scheduler, events } = makeScheduler();
    expect(scheduler.state).toBe('stopped');
    await scheduler.start();
    expect(scheduler.state).toBe('running');
    scheduler.pause();
    expect(scheduler.state).toBe('paused');
    scheduler.resume();
    expect(scheduler.state).toBe('running');
    await scheduler.shutdown();
    expect(scheduler.state).toBe('stopped');
    expect(codes(events)).toEqual([
      EVENT_SCHEDULER_STARTED,
      EVENT_SCHEDULER_PAUSED,
      EVENT_SCHEDULER_RESUMED,
      EVENT_SCHEDULER_SHUTDOWN,
    ]);
  });

  it('start({ paused: true }) runs nothing until resume()', async () => {
    const { clock, scheduler } = makeScheduler();
    let runs = 0;
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1 });
    await scheduler.start({ paused: true });
    expect(scheduler.state).toBe('paused');
    await clock.advance(3000);
    expect(runs).toBe(0);
    scheduler.resume();
    await clock.advance(0);
    expect(runs).toBe(1);
    await scheduler.shutdown();
  });

  it('a paused scheduler keeps jobs and does not run them', async () => {
    const { clock, scheduler } = makeScheduler();
    let runs = 0;
    await scheduler.start();
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1 });
    await clock.advance(1000);
    scheduler.pause();
    await clock.advance(5000);
    expect(runs).toBe(1);
    await scheduler.shutdown();
  });

  it('run() resolves only at shutdown, and SIGINT shuts it down cleanly', async () => {
    const { clock, scheduler } = makeScheduler();
    let runs = 0;
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1 });
    let resolved = false;
    const done = scheduler.run().then(() => (resolved = true));
    await clock.advance(2000);
    expect(runs).toBe(2);
    expect(resolved).toBe(false);
    const before = process.listenerCount('SIGINT');
    process.emit('SIGINT');
    await done;
    expect(scheduler.state).toBe('stopped');
    expect(process.listenerCount('SIGINT')).toBe(before - 1);
  });

  it('run() also stops on SIGTERM and on shutdown()', async () => {
    const { scheduler } = makeScheduler();
    const first = scheduler.run();
    await new Promise((resolve) => setImmediate(resolve));
    process.emit('SIGTERM');
    await first;
    const second = scheduler.run();
    await new Promise((resolve) => setImmediate(resolve));
    await scheduler.shutdown();
    await second;
    expect(scheduler.state).toBe('stopped');
  });

  it('start() twice throws SchedulerAlreadyRunningError; shutdown() when stopped throws SchedulerNotRunningError', async () => {
    const { scheduler } = makeScheduler();
    await expect(scheduler.shutdown()).rejects.toBeInstanceOf(SchedulerNotRunningError);
    expect(() => scheduler.pause()).toThrow(SchedulerNotRunningError);
    await scheduler.start();
    const error = await scheduler.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchedulerAlreadyRunningError);
    expect((error as SchedulerAlreadyRunningError).code).toBe('ERR_SCHEDULER_ALREADY_RUNNING');
    expect(scheduler.state).toBe('running');
    await scheduler.shutdown();
  });

  it('configure() works while stopped and throws while running, leaving options unchanged', async () => {
    const { clock, scheduler } = makeScheduler();
    scheduler.configure({ jobDefaults: { maxInstances: 4 } });
    expect((await scheduler.addJob(() => undefined, 'interval', { seconds: 1 })).maxInstances).toBe(4);
    await scheduler.start();
    expect(() => scheduler.configure({ timezone: 'Europe/Berlin' })).toThrow(SchedulerAlreadyRunningError);
    const job = await scheduler.addJob(() => undefined, 'date', { runDate: '2026-01-01 00:00:09' });
    expect(job.nextRunTime).toEqual(at(9000));
    await scheduler.shutdown();
    expect(() => scheduler.configure({ timezone: 'Nowhere/Town' })).toThrow(/Nowhere\/Town/);
    expect(() => scheduler.configure({ maxSleep: 0 })).toThrow(InvalidArgumentError);
    void clock;
  });

  it('the scheduler can be started again after shutdown and keeps its memory jobs', async () => {
    const { clock, scheduler } = makeScheduler();
    let runs = 0;
    await scheduler.start();
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1, id: 'keep' });
    await scheduler.shutdown();
    await scheduler.start();
    await clock.advance(1000);
    expect(runs).toBe(1);
    await scheduler.shutdown();
  });
});

describe('stores and executors', () => {
  it('adds and removes job stores and executors, with events', async () => {
    const { clock, scheduler, events } = makeScheduler();
    await scheduler.start();
    const store = new MemoryJobStore();
    await scheduler.addJobStore(store, 'extra');
    await scheduler.addExecutor(new AsyncExecutor({ maxConcurrency: 1 }), 'serial');
    await scheduler.addExecutor({ type: 'async', maxConcurrency: 3 }, 'wide');
    let runs = 0;
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1, jobStore: 'extra', executor: 'serial' });
    expect(await store.getAllJobs()).toHaveLength(1);
    await clock.advance(1000);
    expect(runs).toBe(1);
    await scheduler.removeExecutor('wide');
    await scheduler.removeJobStore('extra');
    await clock.advance(3000);
    expect(runs).toBe(1);
    expect(await store.getAllJobs()).toHaveLength(1);
    expect(
      codes(events).filter(
        (code) =>
          code &
          (EVENT_JOBSTORE_ADDED | EVENT_JOBSTORE_REMOVED | EVENT_EXECUTOR_ADDED | EVENT_EXECUTOR_REMOVED),
      ),
    ).toEqual([
      EVENT_JOBSTORE_ADDED,
      EVENT_EXECUTOR_ADDED,
      EVENT_EXECUTOR_ADDED,
      EVENT_EXECUTOR_REMOVED,
      EVENT_JOBSTORE_REMOVED,
    ]);
    await expect(scheduler.removeJobStore('extra')).rejects.toBeInstanceOf(LookupError);
    await expect(scheduler.removeExecutor('wide')).rejects.toBeInstanceOf(LookupError);
    await expect(scheduler.addJobStore(new MemoryJobStore(), 'default')).rejects.toThrow(
      /already has a job store/,
    );
    await expect(scheduler.addExecutor(new AsyncExecutor(), 'default')).rejects.toThrow(
      /already has an executor/,
    );
    await scheduler.shutdown();
  });

  it('a job on an unknown store is refused', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    await expect(
      scheduler.addJob(() => undefined, 'interval', { seconds: 1, jobStore: 'nope' }),
    ).rejects.toBeInstanceOf(LookupError);
    expect(await scheduler.getJobs()).toEqual([]);
    await scheduler.shutdown();
  });
});

describe('timing', () => {
  it('keeps one timer for the whole scheduler, however many jobs', async () => {
    const { clock, scheduler } = makeScheduler();
    await scheduler.start();
    for (let i = 0; i < 500; i++)
      await scheduler.addJob(() => undefined, 'interval', { seconds: 1 + (i % 7) });
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10_000);
    expect(clock.pendingTimers).toBe(1);
    await scheduler.shutdown();
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a job 40 days ahead on time, re-checking at least every 30 s', async () => {
    const delays: number[] = [];
    const fake = new FakeClock(T0);
    const clock: Clock = {
      now: () => fake.now(),
      setTimer: (callback, delay) => {
        delays.push(delay);
        return fake.setTimer(callback, delay);
      },
      clearTimer: (handle) => fake.clearTimer(handle),
    };
    const { scheduler } = makeScheduler({ clock });
    let firedAt = 0;
    const due = T0 + 40 * 86_400_000;
    await scheduler.addJob(() => (firedAt = fake.now()), 'date', { runDate: new Date(due) });
    await scheduler.start();
    await fake.advanceTo(due + 10);
    expect(firedAt).toBe(due);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    expect(40 * 86_400_000).toBeGreaterThan(MAX_TIMER_DELAY_MS);
    await scheduler.shutdown();
    // 115,200 passes of the run loop on the fake clock: about 7 s on an idle machine.
  }, 60_000);

  it('notices a forward clock jump within 30 s and never fires early after a backward jump', async () => {
    const { clock, scheduler } = makeScheduler();
    const fired: number[] = [];
    await scheduler.addJob(() => fired.push(clock.now()), 'date', {
      runDate: at(3_600_000),
      misfireGraceTime: null,
    });
    await scheduler.start();
    // The wall clock jumps forward an hour (NTP correction, resume from sleep): no timer fired for it.
    clock.jump(T0 + 3_600_000 + 5000);
    await clock.advance(30_000);
    expect(fired).toHaveLength(1);
    expect(fired[0]! - (T0 + 3_600_000)).toBeLessThanOrEqual(35_000);

    const { clock: clock2, scheduler: scheduler2 } = makeScheduler();
    const fired2: number[] = [];
    await scheduler2.addJob(() => fired2.push(clock2.now()), 'date', { runDate: at(60_000) });
    await scheduler2.start();
    await clock2.advance(20_000);
    clock2.jump(T0 + 10_000); // the clock goes back 10 s
    await clock2.advance(49_000);
    expect(fired2).toEqual([]);
    await clock2.advance(1000);
    expect(fired2).toEqual([T0 + 60_000]);
    await scheduler.shutdown();
    await scheduler2.shutdown();
  });

  it('runs a job added while a pass over the stores is finishing (no lost wakeup)', async () => {
    // A store that answers after a varying number of microtasks, as a database driver would, so
    // that some addJob lands in the moment a pass ends.
    class SlowStore extends MemoryJobStore {
      constructor(private readonly ticks: number) {
        super();
      }
      override async getNextRunTime(): Promise<Date | null> {
        for (let i = 0; i < this.ticks; i++) await Promise.resolve();
        return super.getNextRunTime();
      }
    }
    for (let ticks = 0; ticks < 12; ticks++) {
      for (let lag = 0; lag < 12; lag++) {
        const { clock, scheduler } = makeScheduler({ jobStores: { default: new SlowStore(ticks) } });
        let ran = false;
        await scheduler.start();
        for (let i = 0; i < lag; i++) await Promise.resolve();
        await scheduler.addJob(() => (ran = true));
        await clock.advance(0);
        expect(ran, `store delay ${ticks}, add delay ${lag}`).toBe(true);
        await scheduler.shutdown();
      }
    }
  });

  it('fires nothing before its time on the real clock', async () => {
    const { scheduler } = makeScheduler({ clock: new SystemClock() });
    const lateness: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 200; i++) {
      const due = start + 30 + (i % 40);
      await scheduler.addJob(() => lateness.push(Date.now() - due), 'date', { runDate: new Date(due) });
    }
    await scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await scheduler.shutdown();
    expect(lateness).toHaveLength(200);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
  });
});

describe('events', () => {
  it('EVENT_ALL covers the 17 APScheduler codes, each a distinct bit', async () => {
    const all = await import('../../../src/index.js');
    const names = [
      'EVENT_SCHEDULER_STARTED',
      'EVENT_SCHEDULER_SHUTDOWN',
      'EVENT_SCHEDULER_PAUSED',
      'EVENT_SCHEDULER_RESUMED',
      'EVENT_EXECUTOR_ADDED',
      'EVENT_EXECUTOR_REMOVED',
      'EVENT_JOBSTORE_ADDED',
      'EVENT_JOBSTORE_REMOVED',
      'EVENT_ALL_JOBS_REMOVED',
      'EVENT_JOB_ADDED',
      'EVENT_JOB_REMOVED',
      'EVENT_JOB_MODIFIED',
      'EVENT_JOB_EXECUTED',
      'EVENT_JOB_ERROR',
      'EVENT_JOB_MISSED',
      'EVENT_JOB_SUBMITTED',
      'EVENT_JOB_MAX_INSTANCES',
    ] as const;
    const values = names.map((name) => all[name]);
    expect(new Set(values).size).toBe(17);
    for (const value of values) {
      expect(value & (value - 1)).toBe(0);
      expect(EVENT_ALL & value).toBe(value);
    }
    expect(all.EVENT_SCHEDULER_START).toBe(all.EVENT_SCHEDULER_STARTED);
  });

  it('masks select events; on() is typed per name; a throwing listener does not stop others', async () => {
    const { clock, scheduler } = makeScheduler();
    const masked: number[] = [];
    const named: unknown[] = [];
    scheduler.addListener(() => {
      throw new Error('listener bug');
    });
    scheduler.addListener(
      (event) => masked.push(event.code),
      EVENT_SCHEDULER_STARTED | EVENT_SCHEDULER_SHUTDOWN,
    );
    const onExecuted = (event: { retval?: unknown }) => named.push(event.retval);
    scheduler.on('job_executed', onExecuted);
    await scheduler.addJob(() => 'done', 'date', { runDate: at(5) });
    await scheduler.start();
    await clock.advance(5);
    scheduler.off('job_executed', onExecuted);
    await scheduler.addJob(() => 'unseen', 'date', { runDate: at(10) });
    await clock.advance(5);
    await scheduler.shutdown();
    expect(masked).toEqual([EVENT_SCHEDULER_STARTED, EVENT_SCHEDULER_SHUTDOWN]);
    expect(named).toEqual(['done']);
    expect(() => scheduler.on('job_exploded' as 'job_executed', () => undefined)).toThrow(/job_exploded/);
  });

  it('removeListener stops delivery', async () => {
    const { scheduler } = makeScheduler();
    const seen: number[] = [];
    const listener = (event: { code: number }) => seen.push(event.code);
    scheduler.addListener(listener);
    await scheduler.start();
    scheduler.removeListener(listener);
    await scheduler.shutdown();
    expect(seen).toEqual([EVENT_SCHEDULER_STARTED]);
  });
});
