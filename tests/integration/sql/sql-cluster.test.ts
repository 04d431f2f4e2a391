// The cluster tables of the SQL stores (active_runs, nodes), beyond what the conformance suite can
// show with one store: several store instances, each with its own connections as separate
// processes would have, racing on the same rows; tables made before the cluster tables existed;
// runs that cannot be read; and the query plans of the calls every node makes all the time.
//
// On SQLite the stores of one process share one lock (SqliteConnection), so there the races check
// the results, not the database's locking; BEGIN IMMEDIATE does that between processes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobState } from '../../../src/job-state.js';
import { silentLogger } from '../../../src/logger.js';
import type { ActiveRun, JobStore, JobStoreContext, NodeRecord } from '../../../src/stores/job-store.js';
import { mysqlDialect } from '../../../src/stores/mysql/mysql-dialect.js';
import { postgresDialect } from '../../../src/stores/postgres/postgres-dialect.js';
import type { SqlDialect } from '../../../src/stores/sql/sql-dialect.js';
import { waitingRunsClaim } from '../../../src/stores/sql/sql-active-runs.js';
import { statements } from '../../../src/stores/sql/sql-statements.js';
import { tableNames } from '../../../src/stores/sql/sql-tables.js';
import { sqliteDialect } from '../../../src/stores/sqlite/sqlite-dialect.js';
import { FakeClock } from '../../../src/testing.js';
import { makeActiveRun } from '../../conformance/cluster.suite.js';
import { T0, makeJob, makeRun } from '../../helpers/jobs.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { persistentTargets, type StoreTarget } from '../../helpers/targets.js';

const LEASE = 30_000;
const DIALECTS: Record<string, SqlDialect> = {
  sqlite: sqliteDialect,
  postgres: postgresDialect,
  mysql: mysqlDialect,
};

function node(id: string, now = T0): NodeRecord {
  return {
    id,
    role: 'both',
    hostname: 'host',
    pid: 1,
    startedAt: new Date(T0),
    lastHeartbeat: new Date(now),
    expiresAt: new Date(now + LEASE),
    executors: ['default'],
  };
}

/** Ids in `lists`, each list from one caller, checked to be disjoint: returns them all, sorted. */
function disjointUnion(lists: string[][]): string[] {
  const all = lists.flat().sort();
  expect(new Set(all).size, `one id handed out twice: ${all.join(' ')}`).toBe(all.length);
  return all;
}

/** Calls `take` until it returns nothing; returns the ids it got, in order. */
async function drain(take: () => Promise<{ id: string }[]>): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const got = await take();
    if (got.length === 0) return ids;
    ids.push(...got.map((run) => run.id));
  }
}

for (const target of persistentTargets()) {
  describe.skipIf(!target.available)(`cluster tables on ${target.name}`, () => {
    const opened: JobStore[] = [];
    let reports: { jobId: string; error: unknown }[] = [];
    const context: JobStoreContext = {
      alias: 'default',
      clock: new FakeClock(T0),
      logger: silentLogger,
      reportUnreadableJob: (jobId, error) => void reports.push({ jobId, error }),
    };

    beforeAll(() => target.prepare());
    afterEach(async () => {
      reports = [];
      await Promise.all(opened.splice(0).map((store) => store.shutdown()));
    });
    afterAll(() => target.dispose());

    /** `count` started stores on the tables of `prefix`, each with its own connections. */
    async function open(prefix: string, count = 1): Promise<JobStore[]> {
      const stores = Array.from({ length: count }, () => target.open(prefix));
      opened.push(...stores);
      // One after the other: the first makes the tables.
      for (const store of stores) await store.start(context);
      return stores;
    }

    /** The store's statements and table names for the tables of `prefix`, as this test names them. */
    function storeStatements(prefix: string) {
      const dialect = DIALECTS[target.storeModule] as SqlDialect;
      const tables = {
        ...tableNames(dialect.quote, prefix),
        jobs: target.table(`${prefix}jobs`),
        runs: target.table(`${prefix}runs`),
        activeRuns: target.table(`${prefix}active_runs`),
        nodes: target.table(`${prefix}nodes`),
      };
      return { sql: statements(tables, dialect), tables };
    }

    it('stores one run of a maxInstances 1 job when three stores store one each at once', async () => {
      const prefix = uniquePrefix('race');
      const [a, b, c] = (await open(prefix, 3)) as [JobStore, JobStore, JobStore];
      const rounds = 20;
      for (let round = 0; round < rounds; round++) {
        const job = makeJob(`job-${round}`, T0, { maxInstances: 1 });
        await a.addJob(job);
        await a.acquireDueJobs('a', new Date(T0), LEASE, 10);
        const next = new Date(T0 + 10_000);
        // A releases the job it claimed with its run; B and C start it by hand at the same moment.
        const results = await Promise.all([
          a.releaseJobs(
            'a',
            [{ id: job.id, nextRunTime: next, nextFireTime: next, remove: false }],
            [makeActiveRun(`a-${round}`, job, 'a')],
          ),
          b.releaseJobs('b', [], [makeActiveRun(`b-${round}`, job, 'b', { manual: true })]),
          c.releaseJobs('c', [], [makeActiveRun(`c-${round}`, job, null, { manual: true })]),
        ]);
        expect(results.map((result) => result.lost)).toEqual([[], [], []]);
        expect(results.flatMap((result) => result.refused)).toHaveLength(2);
        // The release itself was stored, whichever run won.
        expect((await b.lookupJob(job.id))?.nextRunTime?.getTime()).toBe(next.getTime());
      }
      const perJob = new Map<string, number>();
      for (const run of await c.getActiveRuns()) perJob.set(run.job.id, (perJob.get(run.job.id) ?? 0) + 1);
      expect(perJob.size).toBe(rounds);
      expect([...perJob.values()].every((count) => count === 1)).toBe(true);
    });

    it('hands each waiting run to one of three stores claiming at once', async () => {
      const prefix = uniquePrefix('acq');
      const stores = await open(prefix, 3);
      const runs = Array.from({ length: 60 }, (_, i) =>
        makeActiveRun(`w${String(i).padStart(2, '0')}`, makeJob(`j${i}`, T0), null, {
          createdAt: new Date(T0 + i),
        }),
      );
      await stores[0]?.releaseJobs('a', [], runs);
      const now = new Date(T0 + 1000);
      const taken = await Promise.all(
        stores.map((store, i) => drain(() => store.acquireRuns(`n${i}`, ['default'], now, LEASE, 4))),
      );
      expect(disjointUnion(taken)).toEqual(runs.map((run) => run.id));
      // Each caller got its runs oldest first, and holds them.
      for (const ids of taken) expect(ids).toEqual([...ids].sort());
      const holders = new Map((await stores[0]!.getActiveRuns()).map((run) => [run.id, run.node]));
      taken.forEach((ids, i) => ids.forEach((id) => expect(holders.get(id)).toBe(`n${i}`)));
    });

    it('takes each interrupted run once among three stores taking at once', async () => {
      const prefix = uniquePrefix('take');
      const stores = await open(prefix, 3);
      const runs = Array.from({ length: 60 }, (_, i) =>
        makeActiveRun(
          `r${String(i).padStart(2, '0')}`,
          makeJob(`j${i}`, T0, { requestsRecovery: i % 3 === 0 }),
          'dead',
          {
            leaseUntil: new Date(T0 + i),
          },
        ),
      );
      await stores[0]?.releaseJobs('dead', [], runs);
      const now = new Date(T0 + 1000);
      const taken = await Promise.all(
        stores.map((store) => drain(() => store.takeInterruptedRuns(now, 4, 10))),
      );
      expect(disjointUnion(taken)).toEqual(runs.map((run) => run.id));
      // Each taker wrote the records of its own runs only: one per run time, under the dead node.
      for (const run of runs) {
        const records = await stores[0]!.getRuns(run.job.id, 10);
        expect(records.map((record) => [record.outcome, record.schedulerId])).toEqual([
          ['interrupted', 'dead'],
        ]);
      }
      // The runs of jobs that asked for it wait once more, for any node; the others are gone.
      const left = await stores[0]!.getActiveRuns();
      expect(left.map((run) => run.id)).toEqual(runs.filter((_, i) => i % 3 === 0).map((run) => run.id));
      expect(left.every((run) => run.node === null && run.leaseUntil === null && run.recovery)).toBe(true);
    });

    it('adds the cluster tables to tables made before them, keeping the jobs', async () => {
      const prefix = uniquePrefix('up');
      const [first] = (await open(prefix)) as [JobStore];
      await first.addJob(makeJob('old', T0));
      await first.addRun(makeRun('old', T0 - 10_000), 10);
      await first.shutdown();
      opened.length = 0;
      // What the previous version made: the same tables, without these two.
      await target.raw(`DROP TABLE ${target.table(`${prefix}active_runs`)}`);
      await target.raw(`DROP TABLE ${target.table(`${prefix}nodes`)}`);

      // Several processes upgrading at once make them once.
      const stores = Array.from({ length: 3 }, () => target.open(prefix));
      opened.push(...stores);
      await Promise.all(stores.map((store) => store.start(context)));
      const store = stores[0] as JobStore;
      expect((await store.lookupJob('old'))?.nextRunTime?.getTime()).toBe(T0);
      expect(await store.getRuns('old', 10)).toHaveLength(1);
      const [job] = await store.acquireDueJobs('a', new Date(T0), LEASE, 10);
      const release = { id: 'old', nextRunTime: null, nextFireTime: null, remove: true };
      expect(await store.releaseJobs('a', [release], [makeActiveRun('r', job as never, 'a')])).toEqual({
        lost: [],
        refused: [],
      });
      await store.heartbeat(node('a'), new Date(T0), LEASE);
      expect((await stores[1]!.getNodes(new Date(T0))).map((found) => found.id)).toEqual(['a']);
      expect((await stores[2]!.getActiveRuns()).map((run) => run.id)).toEqual(['r']);
      const versions = await target.raw(`SELECT version FROM ${target.table(`${prefix}schema_version`)}`);
      expect(versions.map((row) => Number(row.version))).toEqual([1]);
    });

    it('passes over a run it cannot read: reported once, kept, and never in the way', async () => {
      const prefix = uniquePrefix('bad');
      const [store, other] = (await open(prefix, 2)) as [JobStore, JobStore];
      await store.releaseJobs(
        'a',
        [],
        [
          makeActiveRun('w-bad', makeJob('bad', T0), null, { createdAt: new Date(T0) }),
          makeActiveRun('w-good', makeJob('good', T0), null, { createdAt: new Date(T0 + 1) }),
          makeActiveRun('h-bad', makeJob('bad-held', T0), 'dead', { leaseUntil: new Date(T0 + 1) }),
          makeActiveRun('h-good', makeJob('good-held', T0), 'dead', { leaseUntil: new Date(T0 + 2) }),
        ],
      );
      const table = target.table(`${prefix}active_runs`);
      // A job of a trigger type this Horae does not know (a newer one wrote it), and text that is not JSON.
      const [row] = await target.raw(`SELECT run FROM ${table} WHERE id = ?`, ['w-bad']);
      const newer = JSON.parse(String(row?.run)) as { job: { trigger: { type: string } } };
      newer.job.trigger.type = 'from-the-future';
      await target.raw(`UPDATE ${table} SET run = ? WHERE id = ?`, [JSON.stringify(newer), 'w-bad']);
      await target.raw(`UPDATE ${table} SET run = ? WHERE id = ?`, ['{"version": 1, "id": ', 'h-bad']);

      const now = new Date(T0 + 1000);
      // The oldest waiting run is the bad one: this call gets nothing, the next the good one.
      expect(await store.acquireRuns('n', ['default'], now, LEASE, 1)).toEqual([]);
      expect((await store.acquireRuns('n', ['default'], now, LEASE, 1)).map((run) => run.id)).toEqual([
        'w-good',
      ]);
      expect(await store.acquireRuns('n', ['default'], now, LEASE, 1)).toEqual([]);
      expect((await store.takeInterruptedRuns(now, 1, 10)).map((run) => run.id)).toEqual([]);
      expect((await store.takeInterruptedRuns(now, 1, 10)).map((run) => run.id)).toEqual(['h-good']);
      expect(await store.takeInterruptedRuns(now, 1, 10)).toEqual([]);
      expect(reports.map((report) => report.jobId)).toEqual(['bad', 'bad-held']);
      expect(reports.every((report) => (report.error as Error).name === 'SerializationError')).toBe(true);

      // Both stay as they were, for a node that can read them; another store reports them too.
      const kept = await target.raw(`SELECT id, node, lease_until FROM ${table} ORDER BY id`);
      expect(
        kept.map((found) => [
          found.id,
          found.node,
          found.lease_until === null ? null : Number(found.lease_until),
        ]),
      ).toEqual([
        ['h-bad', 'dead', T0 + 1],
        ['w-bad', null, null],
        ['w-good', 'n', now.getTime() + LEASE],
      ]);
      reports = [];
      expect((await other.getActiveRuns()).map((run) => run.id)).toEqual(['w-good']);
      expect(reports.map((report) => report.jobId).sort()).toEqual(['bad', 'bad-held']);
    });

    it('claims, releases with runs, finishes and beats from three stores at once, within maxInstances', async () => {
      const prefix = uniquePrefix('mix');
      const stores = await open(prefix, 3);
      const jobs = Array.from({ length: 30 }, (_, i) =>
        makeJob(`j${i}`, T0, { maxInstances: i < 2 ? 1 : 2 }),
      );
      for (const job of jobs) await stores[0]?.addJob(job);
      // Run by hand by every node at every step, with its release: each release locks both rows.
      const shared = [jobs[0], jobs[1]] as [JobState, JobState];
      const steps = 12;
      const overruns: string[] = [];
      /** One node: at each step, claims what is due, releases it with its runs, and ends the runs of the step before. */
      const work = async (store: JobStore, name: string, index: number) => {
        let held: ActiveRun[] = [];
        for (let step = 0; step < steps; step++) {
          const now = new Date(T0 + step * 1000);
          const due = await store.acquireDueJobs(name, now, LEASE, 6);
          const next = new Date(now.getTime() + 1000);
          const byHand = index % 2 === 0 ? shared : [...shared].reverse();
          const runs = [
            ...due.map((job) => makeActiveRun(`${name}-${step}-${job.id}`, job, name)),
            ...byHand.map((job) =>
              makeActiveRun(`${name}-${step}-${job.id}-hand`, job, name, { manual: true }),
            ),
          ];
          const releases = due.map((job) => ({
            id: job.id,
            nextRunTime: next,
            nextFireTime: next,
            remove: false,
          }));
          const result = await store.releaseJobs(name, releases, runs);
          const records = held.map((run) => makeRun(run.job.id, now.getTime(), { schedulerId: name }));
          await store.finishRuns(
            name,
            held.map((run) => run.id),
            records,
            5,
          );
          held = runs.filter((run) => !result.refused.includes(run.id));
          await store.heartbeat(node(name, now.getTime()), now, LEASE);
          await store.acquireRuns(name, ['default'], now, LEASE, 5);
          await store.takeInterruptedRuns(now, 5, 5);
          const perJob = new Map<string, ActiveRun[]>();
          for (const run of await store.getActiveRuns())
            perJob.set(run.job.id, [...(perJob.get(run.job.id) ?? []), run]);
          for (const [jobId, found] of perJob) {
            if (found.length > (found[0]?.job.maxInstances ?? 0))
              overruns.push(`${jobId} at step ${step} of ${name}: ${found.map((run) => run.id).join(' ')}`);
          }
        }
      };
      await Promise.all(stores.map((store, i) => work(store, `n${i}`, i)));
      expect(overruns).toEqual([]);
      expect((await stores[0]!.getNodes(new Date(T0 + steps * 1000))).map((found) => found.id)).toEqual([
        'n0',
        'n1',
        'n2',
      ]);
    });

    it('reads runs by index in the calls every node makes, not by scanning the table', async () => {
      const prefix = uniquePrefix('plan');
      const [store] = (await open(prefix)) as [JobStore];
      const runs: ActiveRun[] = [];
      // Many runs held by busy nodes, and a few of each kind the queries look for.
      for (let i = 0; i < 3000; i++) {
        const job = makeJob(`j${i}`, T0);
        const busy = { leaseUntil: new Date(T0 + LEASE + i), createdAt: new Date(T0 + i) };
        if (i % 500 === 0) runs.push(makeActiveRun(`r${i}`, job, null, { createdAt: new Date(T0 + i) }));
        else if (i % 500 === 1) runs.push(makeActiveRun(`r${i}`, job, 'idle', busy));
        else if (i % 500 === 2)
          runs.push(makeActiveRun(`r${i}`, job, 'dead', { leaseUntil: new Date(T0 - 1) }));
        else runs.push(makeActiveRun(`r${i}`, job, `busy-${i % 7}`, busy));
      }
      await store.releaseJobs('a', [], runs);
      const { sql, tables } = storeStatements(prefix);
      const explain = await explainer(target, tables.activeRuns);
      const waiting = waitingRunsClaim(
        tables,
        { node: 'n', executors: ['default'], until: T0, limit: 10 },
        [],
      );
      const plans = {
        heartbeat: await explain(sql.extendLeases, [T0 + LEASE, 'idle']),
        acquireRuns: await explain(`SELECT id FROM ${waiting.table} ${waiting.where}`, waiting.params),
        takeInterruptedRuns: await explain(sql.selectEndedRuns('id', 0), [T0, 10]),
        maxInstances: await explain(sql.countInstances(1), ['j7']),
        finishRuns: await explain(sql.deleteHeldRuns(1), ['idle', 'r501']),
      };
      for (const [call, plan] of Object.entries(plans)) expect(plan, call).toMatch(/^index: /);
    });
  });
}

/**
 * A function that says how the database reads `table` for a statement: `index: <plan>` when by an
 * index, or `scan: <plan>` when it reads the whole table. Statistics are gathered first, so the
 * planner knows the table is large.
 */
async function explainer(
  target: StoreTarget,
  table: string,
): Promise<(sql: string, params: unknown[]) => Promise<string>> {
  if (target.storeModule === 'sqlite') {
    await target.raw(`ANALYZE`);
    return async (sql, params) => {
      const rows = await target.raw(`EXPLAIN QUERY PLAN ${sql}`, params);
      const plan = rows.map((row) => String(row.detail)).join('; ');
      return `${/(^|; )SCAN /.test(plan) ? 'scan' : 'index'}: ${plan}`;
    };
  }
  if (target.storeModule === 'postgres') {
    await target.raw(`ANALYZE ${table}`);
    return async (sql, params) => {
      const rows = await target.raw(`EXPLAIN ${sql}`, params);
      const plan = rows.map((row) => String(row['QUERY PLAN'])).join('; ');
      return `${plan.includes('Seq Scan') ? 'scan' : 'index'}: ${plan}`;
    };
  }
  await target.raw(`ANALYZE TABLE ${table}`);
  return async (sql, params) => {
    const rows = await target.raw(`EXPLAIN ${sql}`, params);
    const plan = rows
      .map((row) => `${String(row.type)} ${String(row.key)} (${String(row.Extra)})`)
      .join('; ');
    return `${rows.some((row) => row.type === 'ALL') ? 'scan' : 'index'}: ${plan}`;
  };
}
