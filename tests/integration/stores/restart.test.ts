// A scheduler process on each persistent store is killed with SIGKILL and a new one is started on
// the same tables: every job must still be there with the right next run time, and the runs missed
// while no process was up must follow each job's misfire grace time and coalescing, with bounded
// catch-up. Real processes and real time: the jobs run every 500 ms from an aligned start `S`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobState } from '../../../src/job-state.js';
import { silentLogger } from '../../../src/logger.js';
import { MAX_CATCH_UP_RUNS } from '../../../src/scheduler/run-plan.js';
import '../../../src/triggers/index.js';
import { FakeClock } from '../../../src/testing.js';
import { buildDist } from '../../helpers/build.js';
import {
  STORE_FIXTURES,
  readJsonLines,
  sleepUntil,
  spawnScheduler,
  type RunLine,
} from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { persistentTargets } from '../../helpers/targets.js';

const STEP = 500;
const func = join(STORE_FIXTURES, 'record-run.mjs:record');

let dist: string | undefined;
let logs: string;

beforeAll(async () => {
  dist = await buildDist();
  logs = mkdtempSync(join(tmpdir(), 'horae-restart-'));
}, 120_000);

afterAll(() => {
  rmSync(logs, { recursive: true, force: true });
});

for (const target of persistentTargets()) {
  describe.skipIf(!target.available)(`restart on ${target.name}`, () => {
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());

    it('keeps every job through SIGKILL and applies grace, coalescing and bounded catch-up', async () => {
      const prefix = uniquePrefix('r');
      const storeUrl = target.url(prefix);
      const file = (name: string) => join(logs, `${prefix}${name}.jsonl`);
      const S = Math.ceil((Date.now() + 3000) / STEP) * STEP;
      const base = { storeUrl, storeModule: target.storeModule, leaseTime: 5, maxSleep: 1 };

      const first = spawnScheduler(dist as string, {
        ...base,
        schedulerId: 'first',
        runLog: file('runs-1'),
        eventLog: file('events-1'),
        startAt: S - STEP,
        jobs: [
          [
            func,
            'interval',
            { id: 'all', seconds: 0.5, startDate: S, coalesce: false, misfireGraceTime: null },
          ],
          [
            func,
            'interval',
            { id: 'coalesced', seconds: 0.5, startDate: S, coalesce: true, misfireGraceTime: null },
          ],
          [
            func,
            'interval',
            { id: 'strict', seconds: 0.5, startDate: S, coalesce: false, misfireGraceTime: 0.1 },
          ],
          [func, 'interval', { id: 'backlog', seconds: 1, coalesce: false, misfireGraceTime: null }],
          [func, 'date', { id: 'later', runDate: S + 3_600_000 }],
          [func, 'interval', { id: 'paused', seconds: 0.5, nextRunTime: null }],
        ],
      });
      expect(await first.started, 'the first process started too late for the test').toBeLessThan(S);
      // Killed between two runs (S + 2000 ran, S + 2500 is next), so no lease is left behind.
      await sleepUntil(S + 4 * STEP + STEP / 2);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(first.stderr()).not.toMatch(/error/i);

      const store = target.open(prefix);
      await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
      const jobs = new Map((await store.getAllJobs()).map((job) => [job.id, job]));
      expect([...jobs.keys()].sort()).toEqual(['all', 'backlog', 'coalesced', 'later', 'paused', 'strict']);
      for (const id of ['all', 'coalesced', 'strict']) {
        expect(jobs.get(id)?.nextRunTime?.getTime(), id).toBe(S + 5 * STEP);
      }
      expect(jobs.get('later')?.nextRunTime?.getTime()).toBe(S + 3_600_000);
      expect(jobs.get('paused')?.nextRunTime).toBeNull();
      // As if the process had been down for two hours: 7200 missed runs of a one-second job.
      const hourly = jobs.get('backlog') as JobState;
      const backlogStart = (hourly.nextFireTime as Date).getTime() - 7_200_000;
      await store.updateJob({
        ...hourly,
        nextRunTime: new Date(backlogStart),
        nextFireTime: new Date(backlogStart),
      });
      await store.shutdown();

      const restartAt = S + 8 * STEP + STEP / 2;
      const second = spawnScheduler(dist as string, {
        ...base,
        schedulerId: 'second',
        runLog: file('runs-2'),
        eventLog: file('events-2'),
        startAt: restartAt,
        stopAt: restartAt + 4 * STEP,
      });
      const restarted = await second.started;
      expect(await second.exited, second.stderr()).toBe(0);
      expect(second.stderr()).not.toMatch(/error/i);

      const before = readJsonLines<RunLine>(file('runs-1'));
      const after = readJsonLines<RunLine>(file('runs-2'));
      const slots = (runs: RunLine[], id: string) =>
        runs.filter((run) => run.jobId === id).map((run) => (run.scheduled - S) / STEP);
      const missed = readJsonLines<{ jobId: string; scheduled: number }>(file('events-2'));
      // Slots 0-4 ran before the kill; 5 up to `down` fell in the downtime (8, unless the restart was late).
      const down = Math.floor((restarted - S) / STEP);
      const backlog = Array.from({ length: down - 4 }, (_, i) => 5 + i);
      expect(down).toBeGreaterThanOrEqual(8);

      // No coalescing, no grace limit: every missed slot runs once, then the schedule goes on.
      expect(slots(before, 'all')).toEqual([0, 1, 2, 3, 4]);
      const allSlots = [...slots(before, 'all'), ...slots(after, 'all')];
      expect(allSlots).toEqual(allSlots.map((_, index) => index));
      expect(allSlots.length).toBeGreaterThan(down + 1);

      // Coalescing: the whole backlog runs once, as its latest slot (or a later one, if the first
      // check after the restart came after the next slot was due).
      const coalesced = slots(after, 'coalesced');
      expect(coalesced[0]).toBeGreaterThanOrEqual(down);
      expect(new Set(coalesced).size).toBe(coalesced.length);

      // A 0.1 s grace time: the backlog is missed (reported, recorded), not run.
      const strictMissed = missed
        .filter((event) => event.jobId === 'strict')
        .map((event) => (event.scheduled - S) / STEP);
      expect(strictMissed.slice(0, backlog.length)).toEqual(backlog);
      expect(slots(after, 'strict').some((slot) => slot <= down)).toBe(false);

      const backlogRuns = after.filter((run) => run.jobId === 'backlog' && run.scheduled < restarted);
      expect(backlogRuns).toHaveLength(MAX_CATCH_UP_RUNS);
      expect(backlogRuns[0]?.scheduled).toBe(backlogStart);
      expect(after.some((run) => run.jobId === 'later' || run.jobId === 'paused')).toBe(false);
      expect(before.some((run) => run.jobId === 'later' || run.jobId === 'paused')).toBe(false);

      await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
      const final = new Map((await store.getAllJobs()).map((job) => [job.id, job]));
      expect(final.size).toBe(6);
      expect(final.get('later')?.nextRunTime?.getTime()).toBe(S + 3_600_000);
      expect(final.get('paused')?.nextRunTime).toBeNull();
      expect(final.get('backlog')?.nextRunTime?.getTime()).toBeGreaterThan(restarted);
      const history = await store.getRuns('strict', 20);
      expect(
        history
          .filter((run) => run.outcome === 'missed')
          .map((run) => (run.scheduledRunTime.getTime() - S) / STEP)
          .sort(),
      ).toEqual([5, 6, 7, 8]);
      await store.shutdown();
    }, 60_000);
  });
}
