// Job stores made from URLs: each scheme's forms and options, and a clear JobStoreError naming a
// malformed URL, an unknown scheme or an unknown option.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { Scheduler } from '../../../src/index.js';
import { silentLogger } from '../../../src/logger.js';
import { mysqlOptionsFromUrl } from '../../../src/stores/mysql/index.js';
import { PostgresJobStore, postgresOptionsFromUrl } from '../../../src/stores/postgres/index.js';
import { createJobStoreFromUrl } from '../../../src/stores/registry.js';
import { SqliteJobStore, sqliteOptionsFromUrl } from '../../../src/stores/sqlite/index.js';
import { FakeClock } from '../../../src/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'horae-urls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<JobStoreError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(JobStoreError);
  return error as JobStoreError;
}

describe('job store URLs', () => {
  it('names a malformed URL and an unknown scheme', async () => {
    expect((await failure(createJobStoreFromUrl('not a url'))).message).toContain('"not a url"');
    const unknown = await failure(createJobStoreFromUrl('mongodb+srv://db.example/app'));
    expect(unknown.message).toContain('"mongodb+srv"');
    for (const scheme of ['sqlite', 'postgres', 'postgresql', 'mysql', 'mariadb']) {
      expect(unknown.message).toContain(scheme);
    }
  });

  it('reads sqlite:///absolute, sqlite://relative and sqlite::memory:', () => {
    expect(sqliteOptionsFromUrl(new URL('sqlite:///var/lib/app/jobs.sqlite'))).toEqual({
      path: '/var/lib/app/jobs.sqlite',
    });
    expect(
      sqliteOptionsFromUrl(new URL('sqlite://data/Jobs%20Here.sqlite?tablePrefix=app_&busyTimeout=250')),
    ).toEqual({
      path: 'data/Jobs Here.sqlite',
      tablePrefix: 'app_',
      busyTimeout: 250,
    });
    expect(sqliteOptionsFromUrl(new URL('sqlite::memory:'))).toEqual({ path: ':memory:' });
  });

  it('refuses an SQLite URL without a file or with an unknown option', async () => {
    expect((await failure(createJobStoreFromUrl('sqlite://'))).message).toMatch(/names no file/);
    const option = await failure(createJobStoreFromUrl('sqlite:///tmp/x.sqlite?prefix=a_'));
    expect(option.message).toContain('Unknown option "prefix"');
  });

  it('makes a working SQLite store from a URL given to the scheduler', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const file = join(dir, 'from-url.sqlite');
    const scheduler = new Scheduler({
      jobStores: { default: `sqlite://${file}` },
      clock,
      logger: silentLogger,
    });
    const calls: number[] = [];
    await scheduler.registerTask('tick', () => calls.push(clock.now()));
    // Reported to the lead: without a job_executed listener the executor skips the event, and with
    // it the run record, so run history stays empty.
    scheduler.on('job_executed', () => undefined);
    await scheduler.addJob('tick', 'interval', { seconds: 1, id: 'tick' });
    await scheduler.start();
    await clock.advance(3000);
    expect(calls).toHaveLength(3);
    expect((await scheduler.getRuns('tick')).map((run) => run.outcome)).toEqual([
      'success',
      'success',
      'success',
    ]);
    await scheduler.shutdown();
    // Relative paths resolve from the working directory when the store is made.
    expect(resolve('jobs.sqlite')).toBe(join(process.cwd(), 'jobs.sqlite'));
  });

  it('takes schema, tablePrefix and connectTimeout out of a PostgreSQL URL', async () => {
    const options = postgresOptionsFromUrl(
      new URL(
        'postgresql://app:s3cret@db.internal:6543/jobs?schema=sched&tablePrefix=a_&connectTimeout=900&sslmode=require',
      ),
    );
    expect(options).toEqual({
      url: 'postgresql://app:s3cret@db.internal:6543/jobs?sslmode=require',
      schema: 'sched',
      tablePrefix: 'a_',
      connectTimeout: 900,
    });
    expect(await createJobStoreFromUrl('postgresql://db/jobs')).toBeInstanceOf(PostgresJobStore);
    expect((await failure(createJobStoreFromUrl('postgres:///jobs'))).message).toMatch(/names no host/);
  });

  it('reads mysql:// and mariadb:// URLs and wants a database', async () => {
    expect(mysqlOptionsFromUrl(new URL('mariadb://root@127.0.0.1:3306/app?tablePrefix=x_'))).toEqual({
      url: 'mariadb://root@127.0.0.1:3306/app',
      tablePrefix: 'x_',
      connectTimeout: undefined,
    });
    const noDatabase = await failure(createJobStoreFromUrl('mysql://root:pw@127.0.0.1:3306'));
    expect(noDatabase.message).toMatch(/names no database/);
    expect(noDatabase.message).not.toContain('pw');
  });

  it('refuses a table prefix that is not a plain identifier', () => {
    expect(() => new SqliteJobStore({ path: ':memory:', tablePrefix: 'x"; DROP TABLE y; --' })).toThrow(
      JobStoreError,
    );
    expect(() => new PostgresJobStore({ url: 'postgres://db/app', schema: 'bad-name' })).toThrow(
      /Invalid schema/,
    );
    expect(() => new PostgresJobStore({ url: 'postgres://db/app', pool: {} as never })).toThrow(
      /exactly one/,
    );
  });
});
