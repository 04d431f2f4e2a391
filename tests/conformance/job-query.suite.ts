// The optional `JobStore.queryJobs` (src/stores/job-store.ts), run by `runJobStoreConformance` for
// every store that says it has it (`queryJobs: true`): the same order as `getAllJobs`, paging
// across the scheduled and paused jobs, search in ids and names, the paused filter and the total.
// Every store is checked to have the method exactly when it says so, so a store that gains it
// cannot go untested.
import { describe, expect, it } from 'vitest';
import { SerializationError } from '../../src/errors.js';
import type { JobState } from '../../src/job-state.js';
import type { JobStore, JobStoreQuery } from '../../src/stores/job-store.js';
import { T0, makeJob } from '../helpers/jobs.js';
import type { UnreadableJobs } from './unreadable-jobs.suite.js';

/** What the main suite shares with these tests. */
export interface JobQueryFixture {
  /** Whether the store has `queryJobs` (`JobStoreConformanceOptions.queryJobs`). */
  has: boolean;
  store(): JobStore;
  reports(): { jobId: string; error: unknown }[];
  unreadableJobs: UnreadableJobs;
}

const ids = (jobs: JobState[]) => jobs.map((job) => job.id);

export function jobQueryTests(fixture: JobQueryFixture): void {
  describe('querying jobs', () => {
    it('has queryJobs exactly when the suite is told so', () => {
      expect(typeof fixture.store().queryJobs === 'function').toBe(fixture.has);
    });
    if (!fixture.has) return;

    const query = (request: Partial<JobStoreQuery>) => {
      const store = fixture.store() as Required<JobStore>;
      return store.queryJobs({ offset: 0, limit: 100, ...request });
    };
    /** Scheduled jobs out of order, two at one time, a paused job sorting before them by id. */
    const addMixed = async () => {
      const store = fixture.store();
      await store.addJob(makeJob('late', T0 + 3000));
      await store.addJob(makeJob('b-tie', T0 + 1000));
      await store.addJob(makeJob('a-tie', T0 + 1000));
      await store.addJob(makeJob('zz-paused', null));
      await store.addJob(makeJob('aa-paused', null));
      await store.addJob(makeJob('early', T0 - 5000));
    };

    it('lists in the order of getAllJobs, paused last, with the total, leases or not', async () => {
      await addMixed();
      await fixture.store().acquireDueJobs('scheduler-a', new Date(T0), 60_000, 10);
      const page = await query({});
      const order = ['early', 'a-tie', 'b-tie', 'late', 'aa-paused', 'zz-paused'];
      expect(ids(page.jobs)).toEqual(order);
      expect(ids(await fixture.store().getAllJobs())).toEqual(order);
      expect(page.total).toBe(6);
      expect(page.jobs[0]?.nextRunTime?.getTime()).toBe(T0 - 5000);
      expect(page.jobs[5]?.nextRunTime).toBeNull();
    });

    it('pages across the scheduled and the paused jobs', async () => {
      await addMixed();
      const pages: string[][] = [];
      for (let offset = 0; offset < 8; offset += 4) {
        const page = await query({ offset, limit: 4 });
        expect(page.total).toBe(6);
        pages.push(ids(page.jobs));
      }
      expect(pages).toEqual([
        ['early', 'a-tie', 'b-tie', 'late'],
        ['aa-paused', 'zz-paused'],
      ]);
      expect(ids((await query({ offset: 3, limit: 2 })).jobs)).toEqual(['late', 'aa-paused']);
      expect(ids((await query({ offset: 5, limit: 2 })).jobs)).toEqual(['zz-paused']);
      expect(await query({ offset: 6, limit: 2 })).toEqual({ jobs: [], total: 6 });
      expect(await query({ offset: 2, limit: 0 })).toEqual({ jobs: [], total: 6 });
    });

    it('filters paused or scheduled jobs, counting only those', async () => {
      await addMixed();
      const paused = await query({ paused: true });
      expect(ids(paused.jobs)).toEqual(['aa-paused', 'zz-paused']);
      expect(paused.total).toBe(2);
      const scheduled = await query({ paused: false, offset: 1, limit: 2 });
      expect(ids(scheduled.jobs)).toEqual(['a-tie', 'b-tie']);
      expect(scheduled.total).toBe(4);
      expect(await query({ paused: true, offset: 2 })).toEqual({ jobs: [], total: 2 });
    });

    it('searches words in ids and names, ignoring case, each word required', async () => {
      const store = fixture.store();
      await store.addJob(makeJob('report-daily', T0, { name: 'Send the Sales numbers' }));
      await store.addJob(makeJob('REPORT-weekly', null, { name: 'weekly digest' }));
      await store.addJob(makeJob('cleanup', T0 + 1, { name: 'Purge old reports' }));
      await store.addJob(makeJob('backup', T0 + 2, { name: 'nightly' }));
      const found = async (search: string, paused?: boolean) => {
        const page = await query(paused === undefined ? { search } : { search, paused });
        expect(page.total).toBe(page.jobs.length);
        return ids(page.jobs);
      };
      expect(await found('report')).toEqual(['report-daily', 'cleanup', 'REPORT-weekly']);
      expect(await found('  SALES  ')).toEqual(['report-daily']);
      expect(await found('report weekly')).toEqual(['REPORT-weekly']);
      expect(await found('report sales')).toEqual(['report-daily']);
      expect(await found('report', true)).toEqual(['REPORT-weekly']);
      expect(await found('nothing-like-it')).toEqual([]);
      expect(await found('')).toHaveLength(4);
      // The function is not searched; only the id and the name are.
      expect(await found('noop')).toEqual([]);
    });

    it('takes search text literally: no wildcards, quotes or SQL', async () => {
      const store = fixture.store();
      await store.addJob(makeJob('a_b', T0));
      await store.addJob(makeJob('axb', T0));
      await store.addJob(makeJob('100%', T0, { name: `it's "quoted" 北京` }));
      await store.addJob(makeJob('1000', T0));
      expect(ids((await query({ search: '_' })).jobs)).toEqual(['a_b']);
      expect(ids((await query({ search: '%' })).jobs)).toEqual(['100%']);
      expect(ids((await query({ search: `it's "QUOTED"` })).jobs)).toEqual(['100%']);
      expect(ids((await query({ search: '北京' })).jobs)).toEqual(['100%']);
      expect(ids((await query({ search: "' OR 1=1 --" })).jobs)).toEqual([]);
    });

    if (fixture.unreadableJobs !== 'kept as objects') {
      const { corruptJob } = fixture.unreadableJobs;
      it('skips and reports an unreadable job, which still counts and takes its place', async () => {
        const store = fixture.store();
        await store.addJob(makeJob('a', T0));
        await store.addJob(makeJob('bad', T0 + 1));
        await store.addJob(makeJob('c', T0 + 2));
        await corruptJob(store, 'bad');
        const page = await query({ limit: 2 });
        expect(ids(page.jobs)).toEqual(['a']);
        expect(page.total).toBe(3);
        expect(ids((await query({ offset: 2, limit: 2 })).jobs)).toEqual(['c']);
        expect(fixture.reports().map((report) => report.jobId)).toEqual(['bad']);
        expect(fixture.reports()[0]?.error).toBeInstanceOf(SerializationError);
      });
    }
  });
}
