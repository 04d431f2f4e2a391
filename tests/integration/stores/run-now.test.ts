// The operations API of issue 14 on the SQL stores, against their real servers: a manual run that
// leaves the stored schedule and lease alone and is on record as manual, previews read from the
// stored job, job health from the stored history, and health() asking the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, silentLogger } from '../../../src/index.js';
import { persistentTargets } from '../../helpers/targets.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { waitUntil } from '../../helpers/wait.js';

const HOUR = 3_600_000;

for (const target of persistentTargets()) {
  describe.skipIf(!target.available)(`run now, previews and health on ${target.name}`, () => {
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());

    it('runs a stored job now without touching its row, and records the run as manual', async () => {
      const prefix = uniquePrefix('runnow');
      const scheduler = new Scheduler({ jobStores: { default: target.open(prefix) }, logger: silentLogger });
      let runs = 0;
      await scheduler.registerTask('count', () => ++runs);
      const start = new Date(Math.ceil(Date.now() / HOUR) * HOUR + HOUR);
      await scheduler.addJob('count', 'interval', { hours: 1, startDate: start, id: 'hourly' });
      await scheduler.start();
      try {
        const [before] = await target.raw(
          `SELECT next_run_time, acquired_by FROM ${target.table(`${prefix}jobs`)} WHERE id = ?`,
          ['hourly'],
        );
        await scheduler.runJob('hourly');
        await waitUntil(() => runs === 1, 'the manual run');
        const [record] = await scheduler.getRuns('hourly');
        expect(record).toMatchObject({ outcome: 'success', manual: true, returnValue: 1 });
        const [after] = await target.raw(
          `SELECT next_run_time, acquired_by FROM ${target.table(`${prefix}jobs`)} WHERE id = ?`,
          ['hourly'],
        );
        expect(after).toEqual(before);
        expect(Number(after?.next_run_time)).toBe(start.getTime());

        expect(await scheduler.getNextRunTimes('hourly', 3)).toEqual(
          [0, 1, 2].map((n) => new Date(start.getTime() + n * HOUR)),
        );
        const health = await scheduler.getJobHealth('hourly');
        expect(health).toMatchObject({ consecutiveFailures: 0, overdue: false, lastRun: { manual: true } });
        expect(health.lastSuccess).toEqual(record?.finishedAt);
        const probe = await scheduler.health();
        expect(probe).toMatchObject({ live: true, ready: true, stores: { default: { ok: true } } });
        expect(probe.stores.default?.latencyMs).toBeGreaterThanOrEqual(0);
      } finally {
        await scheduler.shutdown();
      }
    });
  });
}
