// The admin job list pages, filters and counts in the database (issue 14's benchmark requirement:
// never every job in memory). A few hundred jobs are paged through the API on each SQL store the
// issue names, whose getAllJobs is made to fail: a request that read every job would fail too.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobStore } from '../../../src/stores/job-store.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { postgresTarget, sqliteTarget } from '../../helpers/targets.js';
import { startAdmin, type AdminFixture } from './harness.js';

const COUNT = 300;
const START = Date.UTC(2040, 0, 1);

/** Job `i`: its id, name, and next run time (every tenth paused; some share a time). */
function jobSpec(i: number) {
  const id = `job-${String(i).padStart(3, '0')}`;
  const name = `Report for team ${i % 5}`;
  // Not in id order, and pairs of jobs on one minute, to check the order by time, then id.
  const minute = ((i * 37) % COUNT) >> 1;
  return { id, name, time: i % 10 === 0 ? null : START + minute * 60_000 };
}

type Spec = ReturnType<typeof jobSpec>;

/** The order of the job list: next run time, then id; paused jobs last, by id. */
function listOrder(a: Spec, b: Spec): number {
  const at = a.time ?? Infinity;
  const bt = b.time ?? Infinity;
  if (at !== bt) return at < bt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

for (const target of [postgresTarget(), sqliteTarget()]) {
  describe.skipIf(!target.available)(`admin job list paged in ${target.name}`, () => {
    let fixture: AdminFixture | undefined;
    const specs = Array.from({ length: COUNT }, (_, i) => jobSpec(i));
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());
    afterEach(() => fixture?.close());

    const start = async () => {
      const store: JobStore = target.open(uniquePrefix('adp'));
      store.getAllJobs = () => Promise.reject(new Error('the admin job list read every job'));
      const started = await startAdmin({ store });
      fixture = started;
      for (const spec of specs) {
        await started.scheduler.addJob('ok', 'date', {
          id: spec.id,
          name: spec.name,
          runDate: new Date(spec.time ?? START),
          ...(spec.time === null ? { nextRunTime: null } : {}),
        });
      }
      return started;
    };

    /** Every page of `query`, `limit` at a time: the ids, and the total of each reply. */
    const pageThrough = async (query: string, limit: number) => {
      const { api } = fixture as AdminFixture;
      const ids: string[] = [];
      const totals = new Set<number>();
      for (let offset = 0; ; offset += limit) {
        const reply = await api('GET', `/api/jobs?${query}&limit=${limit}&offset=${offset}`);
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        totals.add(reply.body.total);
        if (reply.body.jobs.length === 0) break;
        ids.push(...reply.body.jobs.map((job: { id: string }) => job.id));
      }
      return { ids, totals: [...totals] };
    };

    it('pages through every job in order, with the total on each page', async () => {
      const { api } = await start();
      const expected = [...specs].sort(listOrder).map((spec) => spec.id);
      expect(await pageThrough('', 40)).toEqual({ ids: expected, totals: [COUNT] });
      const scheduler = await api('GET', '/api/scheduler');
      expect(scheduler.body.jobs).toEqual({ total: COUNT, scheduled: COUNT - 30, paused: 30 });
    }, 60_000);

    it('filters by words and status in the store, paging the matches', async () => {
      const { api } = await start();
      const matching = (words: string[], paused?: boolean) =>
        specs
          .filter((spec) => paused === undefined || (spec.time === null) === paused)
          .filter((spec) => words.every((word) => `${spec.id}\n${spec.name}`.toLowerCase().includes(word)))
          .sort(listOrder)
          .map((spec) => spec.id);
      const team3 = matching(['team', '3']);
      expect(team3.length).toBeGreaterThan(60);
      expect(await pageThrough('search=TEAM%203', 25)).toEqual({ ids: team3, totals: [team3.length] });
      const pausedTeam0 = matching(['team', '0'], true);
      expect(await pageThrough('search=team%200&status=paused', 7)).toEqual({
        ids: pausedTeam0,
        totals: [pausedTeam0.length],
      });
      const scheduled = matching(['job-1'], false);
      expect(await pageThrough('search=job-1&status=scheduled', 30)).toEqual({
        ids: scheduled,
        totals: [scheduled.length],
      });
      // The pages of the dashboard read the same way.
      expect((await api('GET', '/')).status).toBe(200);
      const jobsPage = await api('GET', '/jobs?search=team%204&offset=20');
      expect(jobsPage.status).toBe(200);
      expect(String(jobsPage.body)).toContain('Report for team 4');
    }, 60_000);
  });
}
