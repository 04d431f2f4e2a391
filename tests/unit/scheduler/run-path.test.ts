// The run path from the store to the job: run records with numeric times (`TimedRunRecord`), the
// running job's context, the system clock's zero-delay timer, claimed memory-store jobs, and many
// jobs due in the same instant through a whole scheduler on a fake clock.
import { stat } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  JobTimeoutError,
  MemoryJobStore,
  Scheduler,
  SystemClock,
  currentJob,
  silentLogger,
  type JobContext,
  type JobExecutionEvent,
} from '../../../src/index.js';
import { Outcome, outcomeRecord, type RunStatus } from '../../../src/runs/outcome.js';
import { TimedRunRecord } from '../../../src/stores/run-record.js';
import { FakeClock } from '../../../src/testing.js';
import { makeJob } from '../../helpers/jobs.js';
import { waitUntil } from '../../helpers/wait.js';
import { T0, at, useSchedulers } from './helpers.js';

const setup = useSchedulers();

describe('TimedRunRecord', () => {
  it('gives its numeric times as Dates, a new one on each read', () => {
    const record = new TimedRunRecord(
      'job',
      at(1000).getTime(),
      T0 + 1005,
      T0 + 1250,
      'success',
      null,
      3,
      'sched',
    );
    expect(record.startedAt).toBeInstanceOf(Date);
    expect(record.startedAt).toEqual(new Date(T0 + 1005));
    expect(record.finishedAt).toEqual(new Date(T0 + 1250));
    // Each read is its own Date: changing one does not change the record.
    record.startedAt!.setTime(0);
    expect(record.startedAt).toEqual(new Date(T0 + 1005));
    expect(record).toMatchObject({
      jobId: 'job',
      scheduledRunTime: at(1000),
      outcome: 'success',
      returnValue: 3,
      schedulerId: 'sched',
    });
  });

  it('gives null for NaN times: a missed run has neither start nor end', () => {
    const missed = new TimedRunRecord('job', at(1000).getTime(), NaN, NaN, 'missed', null, null, 'sched');
    expect(missed.startedAt).toBeNull();
    expect(missed.finishedAt).toBeNull();
  });

  it("is made by outcomeRecord from a run's outcome, with its error and storable return value", () => {
    const job = makeJob('job', null);
    const record = (status: RunStatus, value: unknown, finishedMs = T0 + 10) =>
      outcomeRecord(new Outcome(job, 'default', at(0), status, value, T0, finishedMs), 'sched');
    const ok = record('success', { n: 1 });
    expect(ok).toMatchObject({ outcome: 'success', error: null, returnValue: { n: 1 } });
    expect(ok.finishedAt).toEqual(new Date(T0 + 10));
    const failed = record('error', new RangeError('bad'));
    expect(failed).toMatchObject({ outcome: 'error', returnValue: null });
    expect(failed.error).toMatchObject({ name: 'RangeError', message: 'bad' });
    const timedOut = record('timeout', new Error('slow'));
    expect(timedOut.outcome).toBe('timeout');
    expect(record('success', undefined, T0).returnValue).toBeNull();
    // What JSON cannot carry is kept as its String() form: a Date, a Map, a value with a cycle.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(record('success', new Date(0)).returnValue).toBe(String(new Date(0)));
    expect(record('success', new Map([[1, 2]])).returnValue).toBe('[object Map]');
    expect(record('success', cyclic).returnValue).toBe('[object Object]');
    expect(record('success', [1, 'two', { three: [3] }]).returnValue).toEqual([1, 'two', { three: [3] }]);
  });
});

describe('currentJob() on the async executor', () => {
  it('gives a sync job its id, store, executor alias, scheduled time and signal', async () => {
    const { clock, scheduler } = setup({ executors: { fast: { type: 'async' } } });
    const seen: JobContext[] = [];
    await scheduler.addJob(() => void seen.push(currentJob()!), 'date', {
      runDate: at(1000),
      id: 'sync-ctx',
      executor: 'fast',
    });
    await scheduler.start();
    await clock.advance(1000);
    expect(seen).toHaveLength(1);
    const context = seen[0]!;
    expect(context).toMatchObject({ jobId: 'sync-ctx', jobStore: 'default', executor: 'fast' });
    expect(context.scheduledRunTime).toBeInstanceOf(Date);
    expect(context.scheduledRunTime).toEqual(at(1000));
    expect(context.signal).toBeInstanceOf(AbortSignal);
    expect(context.signal.aborted).toBe(false);
    expect(currentJob()).toBeUndefined();
  });

  it('keeps each job its own context after an await, for jobs due in the same instant', async () => {
    const { clock, scheduler } = setup();
    const seen = new Map<string, { before: JobContext; after: JobContext }>();
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) {
      await scheduler.addJob(
        async () => {
          const before = currentJob()!;
          await Promise.resolve();
          await new Promise((resolve) => setImmediate(resolve));
          const after = currentJob()!;
          seen.set(id, { before, after });
        },
        'date',
        { runDate: at(500), id },
      );
    }
    await scheduler.start();
    await clock.advance(500);
    expect([...seen.keys()].sort()).toEqual(ids);
    for (const id of ids) {
      const { before, after } = seen.get(id)!;
      expect(after).toBe(before);
      expect(after).toMatchObject({ jobId: id, jobStore: 'default', executor: 'default' });
      expect(after.scheduledRunTime).toEqual(at(500));
      expect(after.signal.aborted).toBe(false);
    }
  });

  it('gives a signal that aborts with JobTimeoutError when the job times out', async () => {
    const { clock, scheduler } = setup();
    let signal: AbortSignal | undefined;
    let reason: unknown;
    await scheduler.addJob(
      async () => {
        await Promise.resolve();
        signal = currentJob()!.signal;
        await new Promise<void>((resolve) =>
          signal!.addEventListener('abort', () => {
            reason = signal!.reason;
            resolve();
          }),
        );
      },
      'date',
      { runDate: at(100), timeout: 2 },
    );
    await scheduler.start();
    await clock.advance(100);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1999);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(signal?.aborted).toBe(true);
    expect(reason).toBeInstanceOf(JobTimeoutError);
  });
});

describe('SystemClock', () => {
  /** Runs `body` in an I/O callback, where a check-phase callback always precedes a 1 ms timer. */
  function inIoCallback(body: () => void): Promise<void> {
    return new Promise((resolve, reject) =>
      stat(process.cwd(), () => {
        try {
          body();
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }

  it('runs a zero-delay timer on the next turn of the event loop, before a 1 ms timeout', async () => {
    const clock = new SystemClock();
    const order: string[] = [];
    await inIoCallback(() => {
      setTimeout(() => order.push('timeout 1 ms'), 1);
      clock.setTimer(() => order.push('zero delay'), 0);
      clock.setTimer(() => order.push('negative delay'), -5);
      expect(order).toEqual([]);
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    await waitUntil(
      () => order.length === 3,
      () => `the three timers; ran ${JSON.stringify(order)}`,
    );
    expect(order).toEqual(['zero delay', 'negative delay', 'timeout 1 ms']);
  });

  it('clearTimer prevents a zero-delay timer from running', async () => {
    const clock = new SystemClock();
    let ran = false;
    let kept = false;
    const handle = clock.setTimer(() => (ran = true), 0);
    clock.setTimer(() => (kept = true), 0);
    clock.clearTimer(handle);
    // Both were due on the same turn, the cleared one first: once the other has run, it would have.
    await waitUntil(() => kept, 'the timer that was not cleared');
    expect(ran).toBe(false);
  });

  it('runs a positive delay after it, and clearTimer prevents one', async () => {
    const clock = new SystemClock();
    const started = Date.now();
    let firedAfter = -1;
    let cleared = false;
    const handle = clock.setTimer(() => (cleared = true), 5);
    clock.setTimer(() => (firedAfter = Date.now() - started), 15);
    clock.clearTimer(handle);
    await waitUntil(() => firedAfter !== -1, 'the 15 ms timer');
    expect(firedAfter).toBeGreaterThanOrEqual(10);
    // The cleared timer, set first with the shorter delay, would have run before the other one.
    expect(cleared).toBe(false);
  });
});

describe('MemoryJobStore claimed jobs', () => {
  async function storeWith(overrides: Parameters<typeof makeJob>[2] = {}) {
    const store = new MemoryJobStore();
    await store.start({ alias: 'default', clock: new FakeClock(T0), logger: silentLogger });
    const job = makeJob(overrides.id ?? 'claimed', T0 + 1000, {
      name: 'before',
      args: [1, [2, 3]],
      ...overrides,
    });
    await store.addJob(job);
    return { store, job };
  }

  it('keeps a claimed job as it was claimed when the job is changed afterwards', async () => {
    const { store, job } = await storeWith();
    const [claimed] = await store.acquireDueJobs('sched', at(1000), 30_000, 10);
    expect(claimed).toBeDefined();
    await store.updateJob({ ...job, name: 'after', args: ['new'], maxInstances: 5, nextRunTime: at(5000) });
    expect(claimed).toMatchObject({ id: 'claimed', name: 'before', maxInstances: 1 });
    expect(claimed!.args).toEqual([1, [2, 3]]);
    expect(claimed!.nextRunTime).toEqual(at(1000));
    // The store has the change: the next claim sees it.
    expect((await store.lookupJob('claimed'))?.name).toBe('after');
    const [again] = await store.acquireDueJobs('sched', at(5000), 30_000, 10);
    expect(again).toMatchObject({ name: 'after', args: ['new'], maxInstances: 5 });
    expect(again!.nextRunTime).toEqual(at(5000));
  });

  it('gives a claimed job its run and fire times as Dates equal to the stored ones', async () => {
    const { store } = await storeWith();
    const [claimed] = await store.acquireDueJobs('sched', at(1000), 30_000, 10);
    expect(claimed!.nextRunTime).toBeInstanceOf(Date);
    expect(claimed!.nextRunTime).toEqual(at(1000));
    expect(claimed!.nextFireTime).toBeInstanceOf(Date);
    expect(claimed!.nextFireTime).toEqual(at(1000));

    // With jitter the run time is after the fire time.
    const jittered = await storeWith({ id: 'jittered', nextRunTime: at(1400), nextFireTime: at(1000) });
    const [withJitter] = await jittered.store.acquireDueJobs('sched', at(1400), 30_000, 10);
    expect(withJitter!.nextRunTime).toEqual(at(1400));
    expect(withJitter!.nextFireTime).toEqual(at(1000));
  });

  it('claims no job before its time', async () => {
    const { store } = await storeWith();
    expect(await store.acquireDueJobs('sched', at(999), 30_000, 10)).toEqual([]);
    expect(await store.acquireDueJobs('sched', at(1000), 30_000, 10)).toHaveLength(1);
  });

  it('still hands out independent plain copies from lookupJob', async () => {
    const { store, job } = await storeWith();
    // The store kept its own copy of what it was given.
    job.args.push('added by caller');
    const looked = (await store.lookupJob('claimed'))!;
    expect(Object.getPrototypeOf(looked)).toBe(Object.prototype);
    expect({ ...looked }).toMatchObject({
      id: 'claimed',
      name: 'before',
      args: [1, [2, 3]],
      maxInstances: 1,
    });
    expect(looked.nextRunTime).toEqual(at(1000));
    looked.args.push('mutated');
    looked.name = 'renamed';
    const [claimed] = await store.acquireDueJobs('sched', at(1000), 30_000, 10);
    expect(claimed!.args).toEqual([1, [2, 3]]);
    expect(claimed!.name).toBe('before');
    const again = (await store.lookupJob('claimed'))!;
    expect(again.args).toEqual([1, [2, 3]]);
    expect(again.args).not.toBe(looked.args);
    expect(again.name).toBe('before');
  });
});

describe('many jobs due in the same instant', () => {
  const COUNT = 500;
  const INTERVALS = 3;

  async function addJobs(scheduler: Scheduler, clock: FakeClock) {
    const runs = new Map<string, { scheduled: number; ranAt: number }[]>();
    for (let i = 0; i < COUNT; i++) {
      const id = `job-${i}`;
      runs.set(id, []);
      await scheduler.addJob(
        () => {
          const context = currentJob()!;
          runs
            .get(context.jobId)!
            .push({ scheduled: context.scheduledRunTime.getTime(), ranAt: clock.now() });
          return i;
        },
        'interval',
        { seconds: 1, id },
      );
    }
    return runs;
  }

  it(`runs ${COUNT} interval jobs once per interval each, none before its time`, async () => {
    const { clock, scheduler, events } = setup();
    const runs = await addJobs(scheduler, clock);
    await scheduler.start();
    await clock.advance(999);
    expect([...runs.values()].every((list) => list.length === 0)).toBe(true);
    for (let k = 1; k <= INTERVALS; k++) {
      await clock.advanceTo(T0 + k * 1000);
      for (const [id, list] of runs) {
        expect(list, id).toHaveLength(k);
        expect(list[k - 1]?.scheduled, id).toBe(T0 + k * 1000);
        expect(list[k - 1]!.ranAt, id).toBeGreaterThanOrEqual(list[k - 1]!.scheduled);
      }
      if (k < INTERVALS) {
        await clock.advance(999);
        expect([...runs.values()].every((list) => list.length === k)).toBe(true);
      }
    }
    // Nothing refused, missed or failed along the way.
    const unwanted = [EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, EVENT_JOB_ERROR];
    expect(events.filter((event) => unwanted.includes(event.code))).toEqual([]);
    const executed = events.filter((event) => event.code === EVENT_JOB_EXECUTED) as JobExecutionEvent[];
    expect(executed).toHaveLength(COUNT * INTERVALS);
    expect(new Set(executed.map((event) => `${event.jobId}@${event.scheduledRunTime.getTime()}`)).size).toBe(
      COUNT * INTERVALS,
    );

    const history = await scheduler.getRuns('job-123');
    expect(history).toHaveLength(INTERVALS);
    expect(history.map((run) => run.outcome)).toEqual(Array<string>(INTERVALS).fill('success'));
    expect(history.map((run) => run.scheduledRunTime.getTime())).toEqual(
      [3000, 2000, 1000].map((ms) => T0 + ms),
    );
    for (const run of history) {
      expect(run.returnValue).toBe(123);
      expect(run.startedAt).toBeInstanceOf(Date);
      expect(run.startedAt!.getTime()).toBeGreaterThanOrEqual(run.scheduledRunTime.getTime());
      expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
    }
  });

  it(`records the history of ${COUNT} jobs when nobody listens for events`, async () => {
    const clock = new FakeClock(T0);
    const scheduler = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC' });
    setup.track(scheduler);
    const runs = await addJobs(scheduler, clock);
    await scheduler.start();
    await clock.advance(INTERVALS * 1000);
    expect([...runs.values()].every((list) => list.length === INTERVALS)).toBe(true);
    for (const id of ['job-0', 'job-250', `job-${COUNT - 1}`]) {
      const history = await scheduler.getRuns(id);
      expect(
        history.map((run) => run.outcome),
        id,
      ).toEqual(Array<string>(INTERVALS).fill('success'));
      for (const run of history) {
        expect(run.startedAt!.getTime()).toBeGreaterThanOrEqual(run.scheduledRunTime.getTime());
        expect(run.schedulerId).toBe(history[0]?.schedulerId);
      }
    }
  });
});
