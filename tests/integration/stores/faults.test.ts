// Faults: a database that is down or hangs at start gives a clear JobStoreError quickly; a
// database that goes away while the scheduler runs is logged and retried, and no job is lost when
// it returns; an unreadable stored job is reported and kept without stopping the others.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { Scheduler, currentJob } from '../../../src/index.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { MySqlJobStore } from '../../../src/stores/mysql/index.js';
import { PostgresJobStore } from '../../../src/stores/postgres/index.js';
import { SqliteJobStore } from '../../../src/stores/sqlite/index.js';
import { FakeClock } from '../../../src/testing.js';
import { collectingLogger } from '../../helpers/jobs.js';
import { TcpProxy, blackHole } from '../../helpers/proxy.js';
import { serviceUrl } from '../../helpers/services.js';
import { uniquePrefix, unreadableDocument } from '../../helpers/sql.js';
import { mysqlTarget, postgresTarget } from '../../helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'horae-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a scheduler on `store`; resolves to the error and how long it took. */
async function startFailure(store: JobStore): Promise<{ error: unknown; ms: number }> {
  const scheduler = new Scheduler({ jobStores: { default: store }, logger: collectingLogger() });
  const begin = Date.now();
  const error = await scheduler.start().then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(scheduler.state).toBe('stopped');
  return { error, ms: Date.now() - begin };
}

describe('a database that is down at start', () => {
  it.each([
    ['PostgreSQL', () => new PostgresJobStore({ url: 'postgres://horae:s3cret@127.0.0.1:1/test' })],
    ['MySQL', () => new MySqlJobStore({ url: 'mysql://horae:s3cret@127.0.0.1:1/test' })],
  ])('%s on a closed port fails at once with a JobStoreError', async (_name, make) => {
    const { error, ms } = await startFailure(make());
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toMatch(/could not connect|could not start/);
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('s3cret');
    expect(ms).toBeLessThan(5000);
  });

  it.each([
    [
      'PostgreSQL',
      (port: number) =>
        new PostgresJobStore({ url: `postgres://u@127.0.0.1:${port}/t`, connectTimeout: 1000 }),
    ],
    [
      'MySQL',
      (port: number) => new MySqlJobStore({ url: `mysql://u@127.0.0.1:${port}/t`, connectTimeout: 1000 }),
    ],
  ])('%s that never answers fails after connectTimeout, not a hang', async (_name, make) => {
    const hole = await blackHole();
    try {
      const { error, ms } = await startFailure(make(hole.port));
      expect(error).toBeInstanceOf(JobStoreError);
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(4000);
    } finally {
      await hole.close();
    }
  });

  it('SQLite in a missing directory fails with a JobStoreError naming the file', async () => {
    const path = join(dir, 'no-such-dir', 'jobs.sqlite');
    const { error } = await startFailure(new SqliteJobStore({ path }));
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toContain(path);
  });
});

const outageTargets = [
  { name: 'PostgreSQL', url: serviceUrl('postgres'), target: postgresTarget() },
  { name: 'MySQL/MariaDB', url: serviceUrl('mysql'), target: mysqlTarget() },
];

for (const { name, url, target } of outageTargets) {
  describe.skipIf(url === undefined)(`${name} going down while the scheduler runs`, () => {
    it('logs, retries, and runs every job again when the database is back', async () => {
      await target.prepare();
      const real = new URL(url as string);
      const proxy = new TcpProxy(real.hostname, Number(real.port));
      const port = await proxy.open();
      const proxied = new URL(target.url(uniquePrefix('out')));
      proxied.host = `127.0.0.1:${port}`;
      const Store = name === 'PostgreSQL' ? PostgresJobStore : MySqlJobStore;
      const { schema, tablePrefix } = Object.fromEntries(proxied.searchParams) as Record<string, string>;
      proxied.search = '';
      const store = new Store({ url: proxied.href, schema, tablePrefix, connectTimeout: 1000 });

      const logger = collectingLogger();
      const scheduler = new Scheduler({ jobStores: { default: store }, logger, leaseTime: 2, maxSleep: 0.5 });
      const runs: { id: string; at: number }[] = [];
      await scheduler.registerTask('tick', () =>
        runs.push({ id: currentJob()?.jobId as string, at: Date.now() }),
      );
      const ids = ['a', 'b', 'c'];
      for (const id of ids)
        await scheduler.addJob('tick', 'interval', { id, seconds: 0.3, misfireGraceTime: null });
      await scheduler.start();
      try {
        await new Promise((wake) => setTimeout(wake, 1000));
        expect(new Set(runs.map((run) => run.id))).toEqual(new Set(ids));

        await proxy.close();
        await new Promise((wake) => setTimeout(wake, 1500));
        expect(
          logger.lines.some((line) => line.level === 'error' && line.message.includes('Job store "default"')),
        ).toBe(true);

        await proxy.open();
        const back = Date.now();
        const deadline = back + 12_000;
        while (
          Date.now() < deadline &&
          !ids.every((id) => runs.some((run) => run.id === id && run.at > back))
        ) {
          await new Promise((wake) => setTimeout(wake, 100));
        }
        for (const id of ids)
          expect(
            runs.some((run) => run.id === id && run.at > back),
            `job ${id} ran again`,
          ).toBe(true);
        const jobs = await scheduler.getJobs();
        expect(jobs.map((job) => job.id).sort()).toEqual(ids);
      } finally {
        await scheduler.shutdown();
        await proxy.close();
        await target.dispose();
      }
    }, 40_000);
  });
}

describe('an unreadable job in the store', () => {
  it('is reported once per lease and kept, while the other jobs run', async () => {
    const path = join(dir, 'unreadable.sqlite');
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const logger = collectingLogger();
    const scheduler = new Scheduler({ jobStores: { default: new SqliteJobStore({ path }) }, clock, logger });
    const calls: string[] = [];
    await scheduler.registerTask('tick', (id: string) => calls.push(id));
    await scheduler.addJob('tick', 'interval', { id: 'good', seconds: 1, args: ['good'] });
    await scheduler.addJob('tick', 'interval', { id: 'bad', seconds: 1, args: ['bad'] });
    await scheduler.start();

    const db = new Database(path);
    const row = db.prepare('SELECT job FROM horae_jobs WHERE id = ?').get('bad') as { job: string };
    db.prepare('UPDATE horae_jobs SET job = ? WHERE id = ?').run(unreadableDocument(row.job), 'bad');

    await clock.advance(10_000);
    expect(calls.filter((id) => id === 'good')).toHaveLength(10);
    expect(calls).not.toContain('bad');
    const reports = logger.lines.filter((line) => line.level === 'error' && line.message.includes('"bad"'));
    expect(reports).toHaveLength(1);
    expect(reports[0]?.message).toContain('no-such-trigger');
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['good']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM horae_jobs').get()).toEqual({ n: 2 });

    // The user can repair it by replacing it.
    await scheduler.addJob('tick', 'interval', {
      id: 'bad',
      seconds: 1,
      args: ['bad'],
      replaceExisting: true,
    });
    await clock.advance(2000);
    expect(calls).toContain('bad');
    await scheduler.shutdown();
    db.close();
  });
});
