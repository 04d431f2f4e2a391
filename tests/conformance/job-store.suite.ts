// One suite for the JobStore contract (src/stores/job-store.ts), run against every store, as
// Hono's router tests are: `runJobStoreConformance({ name, makeStore, unreadableJobs, skip })`. The
// unreadable-job part, which differs between persistent and in-memory stores, is in
// unreadable-jobs.suite.ts. It is a long file on purpose: each test is short and reads on its own,
// and splitting would scatter the contract.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictingIdError, JobLookupError, SerializationError } from '../../src/errors.js';
import type { JobState } from '../../src/job-state.js';
import { silentLogger } from '../../src/logger.js';
import type { JobStore, JobStoreContext } from '../../src/stores/job-store.js';
import { FakeClock } from '../../src/testing.js';
import { DateTrigger } from '../../src/triggers/date-trigger.js';
import { T0, makeJob, makeRun, plainJob } from '../helpers/jobs.js';
import { clusterTests } from './cluster.suite.js';
import { jobQueryTests } from './job-query.suite.js';
import { unreadableJobTests, type UnreadableJobs } from './unreadable-jobs.suite.js';

export interface JobStoreConformanceOptions {
  /** Names the store in the test titles (`'memory'`, `'SQLite'`, ...). */
  name: string;
  /**
   * Returns a new, empty, not yet started store. Called once per test; the suite starts the store
   * and shuts it down after the test. Persistent stores give each call its own tables or key prefix.
   */
  makeStore: () => JobStore | Promise<JobStore>;
  /** Runs once, after all the tests, to drop what the stores made (tables, schemas, keys). */
  cleanup?: () => Promise<void>;
  /** Tests this store does not run, by exact title, each group with the reason (printed in the title). */
  skip?: { reason: string; tests: string[] }[];
  /**
   * How the store meets the unreadable-job contract (`JobStoreContext.reportUnreadableJob`), asserted
   * for every store (see `unreadable-jobs.suite.ts`): a persistent store plants an unreadable job
   * with `corruptJob`; a store that keeps jobs as live objects says `'kept as objects'`.
   */
  unreadableJobs: UnreadableJobs;
  /**
   * True for a store with the optional `queryJobs`, whose tests (`job-query.suite.ts`) then run;
   * every store is checked to have it exactly when this says so.
   */
  queryJobs?: boolean;
}

const A = 'scheduler-a';
const B = 'scheduler-b';
const LEASE = 60_000;

/** Registers the conformance tests for one store. */
export function runJobStoreConformance(options: JobStoreConformanceOptions): void {
  const skipped = new Map<string, string>();
  for (const group of options.skip ?? []) for (const test of group.tests) skipped.set(test, group.reason);
  const seen = new Set<string>();

  let store: JobStore;
  /** What the store passed to its context's `reportUnreadableJob` hook. */
  let reports: { jobId: string; error: unknown }[];
  let context: JobStoreContext;

  /** `it`, unless the store skips this test; a skipped test says why. */
  const test = (title: string, body: () => Promise<void>, timeout?: number) => {
    seen.add(title);
    const reason = skipped.get(title);
    if (reason === undefined) it(title, body, timeout);
    else it.skipIf(true)(`${title} (skipped: ${reason})`, body);
  };
  const ids = (jobs: JobState[]) => jobs.map((job) => job.id);

  describe(`${options.name} job store (conformance)`, () => {
    beforeEach(async () => {
      reports = [];
      context = {
        alias: 'default',
        clock: new FakeClock(T0),
        logger: silentLogger,
        reportUnreadableJob: (jobId, error) => void reports.push({ jobId, error }),
      };
      store = await options.makeStore();
      await store.start(context);
    });

    afterEach(async () => {
      await store.shutdown();
    });

    if (options.cleanup !== undefined) afterAll(options.cleanup);

    describe('jobs', () => {
      test('adds a job and looks it up with every field intact', async () => {
        const job = makeJob('full', T0 + 1234, {
          name: 'a full job',
          args: [1, 'two', { three: [3, null, true] }],
          executor: 'cpu',
          misfireGraceTime: null,
          coalesce: false,
          maxInstances: 4,
          nextFireTime: new Date(T0 + 1000),
          timeout: 2.5,
          retry: { attempts: 3, delay: 1, backoff: 'exponential', maxDelay: 300, retryOn: ['TypeError'] },
        });
        await store.addJob(job);
        const found = await store.lookupJob('full');
        expect(found).not.toBeNull();
        expect(plainJob(found as JobState)).toEqual(plainJob(job));
        expect(found?.nextRunTime).toBeInstanceOf(Date);
      });

      test('keeps a date trigger and a paused job', async () => {
        const job = makeJob('once', null, {
          trigger: new DateTrigger({ runDate: '2026-03-01 09:30', timezone: 'Asia/Shanghai' }),
        });
        await store.addJob(job);
        const found = (await store.lookupJob('once')) as JobState;
        expect(plainJob(found)).toEqual(plainJob(job));
        expect(found.trigger.getNextFireTime(null, new Date(T0))?.toISOString()).toBe(
          '2026-03-01T01:30:00.000Z',
        );
      });

      test('refuses a second job with the same id (ConflictingIdError)', async () => {
        await store.addJob(makeJob('dup', T0));
        await expect(store.addJob(makeJob('dup', T0 + 5))).rejects.toBeInstanceOf(ConflictingIdError);
        expect((await store.lookupJob('dup'))?.nextRunTime?.getTime()).toBe(T0);
      });

      test('returns null for an unknown id', async () => {
        expect(await store.lookupJob('nope')).toBeNull();
      });

      test('updates a stored job', async () => {
        await store.addJob(makeJob('u', T0));
        const changed = makeJob('u', T0 + 60_000, { name: 'renamed', args: ['x'], maxInstances: 2 });
        await store.updateJob(changed);
        expect(plainJob((await store.lookupJob('u')) as JobState)).toEqual(plainJob(changed));
      });

      test('refuses to update an unknown job (JobLookupError)', async () => {
        await expect(store.updateJob(makeJob('ghost', T0))).rejects.toBeInstanceOf(JobLookupError);
        expect(await store.lookupJob('ghost')).toBeNull();
      });

      test('removes a job', async () => {
        await store.addJob(makeJob('r', T0));
        await store.addJob(makeJob('s', T0));
        await store.removeJob('r');
        expect(await store.lookupJob('r')).toBeNull();
        expect(ids(await store.getAllJobs())).toEqual(['s']);
      });

      test('refuses to remove an unknown job (JobLookupError)', async () => {
        await expect(store.removeJob('ghost')).rejects.toBeInstanceOf(JobLookupError);
      });

      test('removes all jobs', async () => {
        for (const id of ['a', 'b', 'c']) await store.addJob(makeJob(id, id === 'b' ? null : T0));
        await store.removeAllJobs();
        expect(await store.getAllJobs()).toEqual([]);
        expect(await store.getNextRunTime()).toBeNull();
        await store.addJob(makeJob('a', T0));
        expect(ids(await store.getAllJobs())).toEqual(['a']);
      });

      test('lists jobs by next run time, then id, paused last', async () => {
        await store.addJob(makeJob('p2', null));
        await store.addJob(makeJob('late', T0 + 3000));
        await store.addJob(makeJob('b', T0 + 1000));
        await store.addJob(makeJob('p1', null));
        await store.addJob(makeJob('a', T0 + 1000));
        await store.addJob(makeJob('early', T0 - 5000));
        expect(ids(await store.getAllJobs())).toEqual(['early', 'a', 'b', 'late', 'p1', 'p2']);
      });

      test('hands out copies: changing a returned job does not change the store', async () => {
        const job = makeJob('c', T0, { args: [{ n: 1 }] });
        await store.addJob(job);
        job.args.push('added after');
        job.nextRunTime?.setTime(0);
        const found = (await store.lookupJob('c')) as JobState;
        found.args.push('changed');
        found.nextRunTime?.setTime(1);
        const again = (await store.lookupJob('c')) as JobState;
        expect(again.args).toEqual([{ n: 1 }]);
        expect(again.nextRunTime?.getTime()).toBe(T0);
      });

      test('keeps millisecond precision and far-future times', async () => {
        const far = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
        await store.addJob(makeJob('ms', T0 + 1, { nextFireTime: new Date(T0) }));
        await store.addJob(makeJob('far', far));
        await store.addJob(makeJob('past', Date.UTC(1970, 0, 1, 0, 0, 0, 1)));
        expect((await store.lookupJob('ms'))?.nextRunTime?.getTime()).toBe(T0 + 1);
        expect((await store.lookupJob('ms'))?.nextFireTime?.getTime()).toBe(T0);
        expect((await store.lookupJob('far'))?.nextRunTime?.getTime()).toBe(far);
        expect(ids(await store.getAllJobs())).toEqual(['past', 'ms', 'far']);
        expect(ids(await store.acquireDueJobs(A, new Date(T0 + 1), LEASE, 10))).toEqual(['past', 'ms']);
      });

      test('keeps ids and args with quotes, unicode and long text', async () => {
        const odd = `it's "odd" \\ %_ ; -- 北京 🕒 ${'x'.repeat(150)}`;
        const args = [odd, { 'key with "quotes"': 'ünïcødé 🕒', nested: [[]], empty: '' }, 2 ** 53 - 1, -0.5];
        await store.addJob(makeJob(odd, T0, { args, name: odd }));
        const found = (await store.lookupJob(odd)) as JobState;
        expect(found.id).toBe(odd);
        expect(found.name).toBe(odd);
        expect(found.args).toEqual(args);
        expect(ids(await store.acquireDueJobs(A, new Date(T0), LEASE, 10))).toEqual([odd]);
        await store.releaseJobs(A, [{ id: odd, nextRunTime: null, nextFireTime: null, remove: true }]);
        expect(await store.lookupJob(odd)).toBeNull();
      });

      test('keeps function objects only when not persistent', async () => {
        const job = makeJob('fn', T0, { func: () => 'hello' });
        if (store.persistent) {
          await expect(store.addJob(job)).rejects.toBeInstanceOf(SerializationError);
          expect(await store.lookupJob('fn')).toBeNull();
        } else {
          await store.addJob(job);
          expect((await store.lookupJob('fn'))?.func).toBe(job.func);
        }
      });

      test('keeps its jobs across shutdown and start', async () => {
        await store.addJob(makeJob('kept', T0 + 10));
        await store.addRun(makeRun('kept', T0), 5);
        await store.shutdown();
        await store.start(context);
        expect(ids(await store.getAllJobs())).toEqual(['kept']);
        expect(await store.getRuns('kept', 5)).toHaveLength(1);
      });
    });

    describe('next run time', () => {
      test('is null when empty or when every job is paused', async () => {
        expect(await store.getNextRunTime()).toBeNull();
        await store.addJob(makeJob('paused', null));
        expect(await store.getNextRunTime()).toBeNull();
      });

      test('is the earliest next run time of an unpaused job', async () => {
        await store.addJob(makeJob('b', T0 + 2000));
        await store.addJob(makeJob('a', T0 + 1000));
        await store.addJob(makeJob('p', null));
        expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 1000);
        await store.removeJob('a');
        expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 2000);
      });

      test('passes over a leased job until its lease ends', async () => {
        await store.addJob(makeJob('leased', T0));
        await store.addJob(makeJob('later', T0 + 120_000));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        // The leased job is due again (to another scheduler) when its lease runs out.
        expect((await store.getNextRunTime())?.getTime()).toBe(T0 + LEASE);
        await store.releaseJobs(A, [
          {
            id: 'leased',
            nextRunTime: new Date(T0 + 10_000),
            nextFireTime: new Date(T0 + 10_000),
            remove: false,
          },
        ]);
        expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 10_000);
      });
    });

    describe('acquiring due jobs', () => {
      test('claims due jobs only, earliest first, up to the limit', async () => {
        await store.addJob(makeJob('future', T0 + 1));
        await store.addJob(makeJob('c', T0 - 1000));
        await store.addJob(makeJob('b', T0 - 2000));
        await store.addJob(makeJob('a', T0 - 2000));
        await store.addJob(makeJob('now', T0));
        const first = await store.acquireDueJobs(A, new Date(T0), LEASE, 2);
        expect(ids(first)).toEqual(['a', 'b']);
        expect(first[0]?.nextRunTime?.getTime()).toBe(T0 - 2000);
        expect(ids(await store.acquireDueJobs(A, new Date(T0), LEASE, 10))).toEqual(['c', 'now']);
        expect(await store.acquireDueJobs(A, new Date(T0), LEASE, 10)).toEqual([]);
      });

      test('does not hand a leased job to anyone else', async () => {
        await store.addJob(makeJob('j', T0));
        expect(ids(await store.acquireDueJobs(A, new Date(T0), LEASE, 10))).toEqual(['j']);
        expect(await store.acquireDueJobs(B, new Date(T0 + 1000), LEASE, 10)).toEqual([]);
        expect(await store.acquireDueJobs(A, new Date(T0 + 1000), LEASE, 10)).toEqual([]);
      });

      test('never claims a paused job', async () => {
        await store.addJob(makeJob('paused', null));
        expect(await store.acquireDueJobs(A, new Date(Date.UTC(9999, 0, 1)), LEASE, 10)).toEqual([]);
      });

      test('hands a job whose lease has expired to another scheduler', async () => {
        await store.addJob(makeJob('j', T0));
        await store.acquireDueJobs(A, new Date(T0), 1000, 10);
        expect(await store.acquireDueJobs(B, new Date(T0 + 999), LEASE, 10)).toEqual([]);
        expect(ids(await store.acquireDueJobs(B, new Date(T0 + 1000), LEASE, 10))).toEqual(['j']);
        // The first holder's late release is ignored: B holds the job now.
        await store.releaseJobs(A, [{ id: 'j', nextRunTime: null, nextFireTime: null, remove: true }]);
        expect(await store.lookupJob('j')).not.toBeNull();
        await store.releaseJobs(B, [
          { id: 'j', nextRunTime: new Date(T0 + 5000), nextFireTime: new Date(T0 + 5000), remove: false },
        ]);
        expect((await store.lookupJob('j'))?.nextRunTime?.getTime()).toBe(T0 + 5000);
      });

      test('gives concurrent claimers disjoint jobs', async () => {
        for (let i = 0; i < 30; i++) await store.addJob(makeJob(`j${String(i).padStart(2, '0')}`, T0 - i));
        const claims = await Promise.all(
          ['s1', 's2', 's3'].map((scheduler) => store.acquireDueJobs(scheduler, new Date(T0), LEASE, 8)),
        );
        const claimed = claims.flatMap(ids);
        expect(new Set(claimed).size).toBe(claimed.length);
        const rest = ids(await store.acquireDueJobs('s4', new Date(T0), LEASE, 100));
        expect([...claimed, ...rest].sort()).toEqual(ids(await store.getAllJobs()).sort());
        expect(claimed.length + rest.length).toBe(30);
      });

      test('claims a large batch in order', async () => {
        const count = 1200;
        for (let i = 0; i < count; i++)
          await store.addJob(makeJob(`j${String(i).padStart(5, '0')}`, T0 - count + i));
        const first = await store.acquireDueJobs(A, new Date(T0), LEASE, 1000);
        expect(first).toHaveLength(1000);
        expect(first[0]?.id).toBe('j00000');
        expect(first[999]?.id).toBe('j00999');
        expect(await store.acquireDueJobs(A, new Date(T0), LEASE, 1000)).toHaveLength(200);
      }, 60_000);
    });

    describe('releasing', () => {
      test('stores the next run time and ends the lease', async () => {
        await store.addJob(makeJob('j', T0));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        await store.releaseJobs(A, [
          { id: 'j', nextRunTime: new Date(T0 + 10_005), nextFireTime: new Date(T0 + 10_000), remove: false },
        ]);
        const job = (await store.lookupJob('j')) as JobState;
        expect(job.nextRunTime?.getTime()).toBe(T0 + 10_005);
        expect(job.nextFireTime?.getTime()).toBe(T0 + 10_000);
        expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 10_005);
        // The lease is over: B may claim it as soon as it is due, long before A's lease would end.
        expect(ids(await store.acquireDueJobs(B, new Date(T0 + 10_005), LEASE, 10))).toEqual(['j']);
      });

      test('deletes a job released with remove', async () => {
        await store.addJob(makeJob('j', T0));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        await store.releaseJobs(A, [{ id: 'j', nextRunTime: null, nextFireTime: null, remove: true }]);
        expect(await store.lookupJob('j')).toBeNull();
        expect(await store.getNextRunTime()).toBeNull();
      });

      test('releases many jobs at once', async () => {
        for (const id of ['a', 'b', 'c']) await store.addJob(makeJob(id, T0));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        await store.releaseJobs(A, [
          { id: 'a', nextRunTime: new Date(T0 + 3000), nextFireTime: new Date(T0 + 3000), remove: false },
          { id: 'b', nextRunTime: null, nextFireTime: null, remove: true },
          { id: 'c', nextRunTime: new Date(T0 + 1000), nextFireTime: new Date(T0 + 1000), remove: false },
        ]);
        expect(ids(await store.getAllJobs())).toEqual(['c', 'a']);
      });

      test('ignores a release by a scheduler that does not hold the lease', async () => {
        await store.addJob(makeJob('held', T0));
        await store.addJob(makeJob('free', T0 + 5000));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        await store.releaseJobs(B, [
          { id: 'held', nextRunTime: null, nextFireTime: null, remove: true },
          { id: 'free', nextRunTime: null, nextFireTime: null, remove: true },
        ]);
        expect(ids(await store.getAllJobs())).toEqual(['held', 'free']);
        expect(await store.acquireDueJobs(B, new Date(T0), LEASE, 10)).toEqual([]);
      });

      test('ignores a release of a job removed meanwhile', async () => {
        await store.addJob(makeJob('j', T0));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        await store.removeJob('j');
        await store.releaseJobs(A, [
          { id: 'j', nextRunTime: new Date(T0 + 1000), nextFireTime: new Date(T0 + 1000), remove: false },
        ]);
        expect(await store.lookupJob('j')).toBeNull();
        expect(await store.getAllJobs()).toEqual([]);
      });

      test("ends a lease when the job is updated, ignoring the holder's release", async () => {
        await store.addJob(makeJob('j', T0));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        await store.updateJob(makeJob('j', T0 + 500, { name: 'changed by the user' }));
        expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 500);
        await store.releaseJobs(A, [
          { id: 'j', nextRunTime: new Date(T0 + 10_000), nextFireTime: new Date(T0 + 10_000), remove: false },
        ]);
        const job = (await store.lookupJob('j')) as JobState;
        expect(job.nextRunTime?.getTime()).toBe(T0 + 500);
        expect(job.name).toBe('changed by the user');
        expect(ids(await store.acquireDueJobs(B, new Date(T0 + 500), LEASE, 10))).toEqual(['j']);
      });

      test('lets the user remove, look up and list a leased job', async () => {
        await store.addJob(makeJob('j', T0));
        await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
        expect((await store.lookupJob('j'))?.id).toBe('j');
        expect(ids(await store.getAllJobs())).toEqual(['j']);
        await store.removeJob('j');
        expect(await store.lookupJob('j')).toBeNull();
      });
    });

    describe('run records', () => {
      test('stores a run record with every field intact', async () => {
        const error = {
          name: 'TypeError',
          message: 'bad "thing" 🕒',
          stack: 'TypeError: bad\n    at x (y.js:1:2)',
        };
        const failed = makeRun('j', T0, {
          outcome: 'error',
          error,
          returnValue: null,
          schedulerId: 'node-7',
        });
        const succeeded = makeRun('j', T0 + 1000, { returnValue: { rows: [1, 2], ok: true } });
        const missed = makeRun('j', T0 + 2000, { outcome: 'missed', startedAt: null, finishedAt: null });
        const timedOut = makeRun('j', T0 + 3000, { outcome: 'timeout', returnValue: 'text' });
        for (const record of [failed, succeeded, missed, timedOut]) await store.addRun(record, 10);
        expect(await store.getRuns('j', 10)).toEqual([timedOut, missed, succeeded, failed]);
      });

      test('keeps whether a run was manual; a record without the flag reads back as scheduled', async () => {
        await store.addRun(makeRun('j', T0 + 1000, { manual: true }), 10);
        await store.addRun(makeRun('j', T0), 10);
        const { manual: _, ...unflagged } = makeRun('k', T0);
        await store.addRun(unflagged, 10);
        expect((await store.getRuns('j', 10)).map((run) => run.manual)).toEqual([true, false]);
        expect((await store.getRuns('k', 10)).map((run) => run.manual)).toEqual([false]);
      });

      test('lists runs newest first, up to the limit', async () => {
        for (const offset of [2, 0, 3, 1]) await store.addRun(makeRun('j', T0 + offset * 1000), 10);
        const runs = await store.getRuns('j', 3);
        expect(runs.map((run) => (run.scheduledRunTime.getTime() - T0) / 1000)).toEqual([3, 2, 1]);
      });

      test('orders runs of one scheduled time by start time, newest first', async () => {
        await store.addRun(makeRun('j', T0 + 1000, { startedAt: new Date(T0 + 1500) }), 10);
        await store.addRun(makeRun('j', T0 + 1000, { startedAt: new Date(T0 + 1100) }), 10);
        await store.addRun(makeRun('j', T0 + 1000, { startedAt: new Date(T0 + 1300) }), 10);
        const runs = await store.getRuns('j', 10);
        expect(runs.map((run) => (run.startedAt?.getTime() ?? 0) - T0)).toEqual([1500, 1300, 1100]);
      });

      test('keeps at most `retention` records per job, dropping the oldest', async () => {
        for (const offset of [5, 1, 4, 2, 3, 6]) await store.addRun(makeRun('j', T0 + offset * 1000), 3);
        await store.addRun(makeRun('other', T0), 3);
        const runs = await store.getRuns('j', 10);
        expect(runs.map((run) => (run.scheduledRunTime.getTime() - T0) / 1000)).toEqual([6, 5, 4]);
        expect(await store.getRuns('other', 10)).toHaveLength(1);
      });

      test('keeps records after their job is removed', async () => {
        await store.addJob(makeJob('gone', T0));
        await store.addRun(makeRun('gone', T0), 10);
        await store.removeJob('gone');
        expect(await store.getRuns('gone', 10)).toHaveLength(1);
        await store.addRun(makeRun('gone', T0 + 1000), 10);
        await store.removeAllJobs();
        expect(await store.getRuns('gone', 10)).toHaveLength(2);
      });

      test('records a batch given to addRuns as addRun would, each record in turn', async () => {
        const addRuns = store.addRuns?.bind(store);
        expect(addRuns, 'every built-in store writes batches').toBeTypeOf('function');
        const batch = [3, 0, 5, 1, 4].map((offset) => makeRun('j', T0 + offset * 1000));
        await addRuns?.([...batch, makeRun('other', T0)], 3);
        await addRuns?.([], 3);
        const runs = await store.getRuns('j', 10);
        expect(runs.map((run) => (run.scheduledRunTime.getTime() - T0) / 1000)).toEqual([5, 4, 3]);
        expect(await store.getRuns('other', 10)).toEqual([makeRun('other', T0)]);
      });

      test('returns no records for an unknown job', async () => {
        expect(await store.getRuns('nobody', 10)).toEqual([]);
      });
    });

    unreadableJobTests(options.unreadableJobs, {
      store: () => store,
      reports: () => reports,
      makeStore: options.makeStore,
    });

    jobQueryTests({
      has: options.queryJobs === true,
      store: () => store,
      reports: () => reports,
      unreadableJobs: options.unreadableJobs,
    });

    clusterTests({ store: () => store });

    it('skips only tests that exist', () => {
      const unknown = [...skipped.keys()].filter((title) => !seen.has(title));
      expect(unknown, 'skip list names tests that do not exist').toEqual([]);
    });
  });
}
