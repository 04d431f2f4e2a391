// Two scheduler processes share one store and run the same jobs for a few seconds: every scheduled
// run, counted by (job id, scheduled run time) across both processes, happens exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { FakeClock } from '../../../src/testing.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import { buildDist } from '../../helpers/build.js';
import { makeJob } from '../../helpers/jobs.js';
import { STORE_FIXTURES, readJsonLines, spawnScheduler, type RunLine } from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { persistentTargets } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';

const JOBS = 40;
const STEP = 250;
const SLOTS = 13;
const func = join(STORE_FIXTURES, 'record-run.mjs:record');

let dist: string;
let logs: string;

beforeAll(async () => {
  dist = await buildDist();
  logs = mkdtempSync(join(tmpdir(), 'horae-two-schedulers-'));
}, 120_000);

afterAll(() => rmSync(logs, { recursive: true, force: true }));

for (const target of persistentTargets()) {
  describe.skipIf(!target.available)(`two schedulers on ${target.name}`, () => {
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());

    it('never runs one scheduled run twice', async () => {
      const prefix = uniquePrefix('two');
      const S = Math.ceil((Date.now() + 2500) / STEP) * STEP;
      const store = target.open(prefix);
      await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
      for (let i = 0; i < JOBS; i++) {
        const trigger = new IntervalTrigger({ milliseconds: STEP, startDate: new Date(S), timezone: 'UTC' });
        await store.addJob(
          // maxInstances with room for a catch-up and the next slot at once: none skipped on a slow machine.
          makeJob(`job-${i}`, S, {
            func,
            trigger,
            coalesce: false,
            misfireGraceTime: null,
            maxInstances: 50,
          }),
        );
      }
      await store.shutdown();

      const processes = ['a', 'b'].map((name) =>
        spawnScheduler(dist, {
          storeUrl: target.url(prefix),
          storeModule: target.storeModule,
          schedulerId: name,
          leaseTime: 10,
          maxSleep: 1,
          runLog: join(logs, `${prefix}${name}.jsonl`),
          eventLog: join(logs, `${prefix}${name}-events.jsonl`),
        }),
      );
      const runLines = () =>
        ['a', 'b'].flatMap((name) => readJsonLines<RunLine>(join(logs, `${prefix}${name}.jsonl`)));
      // Both run until every job has run its 13th slot, however slow the machine; then stop cleanly.
      const last = S + (SLOTS - 1) * STEP;
      await waitUntil(
        () =>
          new Set(
            runLines()
              .filter((run) => run.scheduled >= last)
              .map((run) => run.jobId),
          ).size === JOBS,
        () => `every job to run ${SLOTS} slots: ${runLines().length} runs so far`,
        60_000,
        50,
      );
      for (const child of processes) child.child.kill('SIGTERM');
      for (const child of processes) {
        expect(await child.exited, child.stderr()).toBe(0);
        expect(child.stderr()).not.toMatch(/error/i);
      }

      const runs = runLines();
      const keys = runs.map((run) => `${run.jobId}@${run.scheduled}`);
      expect(new Set(keys).size, 'a scheduled run ran twice').toBe(keys.length);
      // No run was lost either: every job ran each slot from S on, with no gap.
      for (let i = 0; i < JOBS; i++) {
        const slots = runs
          .filter((run) => run.jobId === `job-${i}`)
          .map((run) => (run.scheduled - S) / STEP)
          .sort((x, y) => x - y);
        expect(slots.slice(0, SLOTS), `job-${i}`).toEqual(Array.from({ length: SLOTS }, (_, slot) => slot));
        expect(slots, `job-${i}`).toEqual(slots.map((_, slot) => slot));
      }
      const share = runs.filter((run) => run.scheduler === 'a').length / runs.length;
      console.log(`${target.name}: ${runs.length} runs, ${Math.round(share * 100)}% by scheduler a`);
    }, 60_000);
  });
}
