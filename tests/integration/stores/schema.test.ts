// Tables are created on first use, carry a schema version, and tables of another version (or not
// made by Horae) are refused with a clear JobStoreError, changing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { SQL_SCHEMA_VERSION } from '../../../src/stores/sql/sql-schema.js';
import { FakeClock } from '../../../src/testing.js';
import { T0, makeJob } from '../../helpers/jobs.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { persistentTargets, type StoreTarget } from '../../helpers/targets.js';

const context = { alias: 'default', clock: new FakeClock(T0), logger: silentLogger };

/** What an older Horae might have left: a jobs table of another layout, and its version row. */
async function makeOldTables(target: StoreTarget, prefix: string, version: number | null): Promise<void> {
  await target.raw(
    `CREATE TABLE ${target.table(`${prefix}jobs`)} (id VARCHAR(191) NOT NULL PRIMARY KEY, job_state TEXT, next_run_time DOUBLE PRECISION)`,
  );
  await target.raw(
    `INSERT INTO ${target.table(`${prefix}jobs`)} (id, job_state, next_run_time) VALUES (?, ?, ?)`,
    ['old-job', 'pickled', 1_700_000_000.5],
  );
  if (version === null) return;
  await target.raw(`CREATE TABLE ${target.table(`${prefix}schema_version`)} (version INTEGER NOT NULL)`);
  await target.raw(`INSERT INTO ${target.table(`${prefix}schema_version`)} (version) VALUES (?)`, [version]);
}

async function startError(target: StoreTarget, prefix: string): Promise<JobStoreError> {
  const store = target.open(prefix);
  const error = await store.start(context).then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(JobStoreError);
  return error as JobStoreError;
}

async function oldRows(target: StoreTarget, prefix: string) {
  return target.raw(`SELECT id, job_state FROM ${target.table(`${prefix}jobs`)}`);
}

for (const target of persistentTargets()) {
  describe.skipIf(!target.available)(`tables on ${target.name}`, () => {
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());

    it('refuses tables of an older schema version and changes nothing', async () => {
      const prefix = uniquePrefix('old');
      await makeOldTables(target, prefix, 0);
      const error = await startError(target, prefix);
      expect(error.message).toContain(`${prefix}schema_version says schema version 0`);
      expect(error.message).toContain(`reads schema version ${SQL_SCHEMA_VERSION}`);
      expect(error.message).toMatch(/no migration/);
      expect(await oldRows(target, prefix)).toEqual([{ id: 'old-job', job_state: 'pickled' }]);
    });

    it('refuses tables of a newer schema version', async () => {
      const prefix = uniquePrefix('new');
      await makeOldTables(target, prefix, SQL_SCHEMA_VERSION + 1);
      const error = await startError(target, prefix);
      expect(error.message).toContain(`schema version ${SQL_SCHEMA_VERSION + 1}, made by a newer Horae`);
      expect(await oldRows(target, prefix)).toHaveLength(1);
    });

    it('refuses a jobs table that Horae did not make', async () => {
      const prefix = uniquePrefix('foreign');
      await makeOldTables(target, prefix, null);
      const error = await startError(target, prefix);
      expect(error.message).toContain(`${prefix}jobs`);
      expect(error.message).toContain('another tablePrefix');
      expect(await oldRows(target, prefix)).toHaveLength(1);
    });

    it('creates the tables once, even when several stores start at the same time', async () => {
      const prefix = uniquePrefix('fresh');
      const stores = Array.from({ length: 4 }, () => target.open(prefix));
      await Promise.all(stores.map((store) => store.start(context)));
      await Promise.all(stores.map((store) => store.shutdown()));
      const again = target.open(prefix);
      await again.start(context);
      await again.shutdown();
      const versions = await target.raw(`SELECT version FROM ${target.table(`${prefix}schema_version`)}`);
      expect(versions.map((row) => Number(row.version))).toEqual([SQL_SCHEMA_VERSION]);
    });

    it('keeps two applications apart by table prefix', async () => {
      const [first, second] = [target.open(uniquePrefix('app')), target.open(uniquePrefix('app'))];
      await first.start(context);
      await second.start(context);
      await first.addJob(makeJob('shared-id', T0));
      await second.addJob(makeJob('shared-id', T0 + 1000));
      expect((await first.lookupJob('shared-id'))?.nextRunTime?.getTime()).toBe(T0);
      expect((await second.acquireDueJobs('s', new Date(T0), 1000, 10)).map((job) => job.id)).toEqual([]);
      await first.removeAllJobs();
      expect(await second.lookupJob('shared-id')).not.toBeNull();
      await first.shutdown();
      await second.shutdown();
    });
  });
}
