// Store faults of issue 11, through a TCP proxy in front of each server: a connection that goes
// silent without closing (half-open) is reported and retried like a refused one, jobs run again
// when the network is back, and shutdown() ends within a bound; run records of runs that end
// during an outage are written once the store is back.
import { afterEach, describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { EVENT_JOBSTORE_ERROR, Scheduler, type JobStoreErrorEvent } from '../../../src/index.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { MySqlJobStore, mysqlOptionsFromUrl } from '../../../src/stores/mysql/index.js';
import { PostgresJobStore, postgresOptionsFromUrl } from '../../../src/stores/postgres/index.js';
import { RedisJobStore } from '../../../src/stores/redis/index.js';
import { ZooKeeperJobStore } from '../../../src/stores/zookeeper/index.js';
import { collectingLogger } from '../../helpers/jobs.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { serviceUrl } from '../../helpers/services.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { mysqlTarget, postgresTarget } from '../../helpers/targets.js';
import { dropRoot, zkRoot } from '../../helpers/zookeeper.js';
import { deleteKeys, randomPrefix } from '../redis/redis-test-env.js';

/** The statement/command timeout the stores get here: short, so a test waits seconds, not minutes. */
const TIMEOUT_MS = 1000;

interface Backend {
  name: string;
  url: string | undefined;
  /** A store reaching its server through `port` on 127.0.0.1, and how to clean up after it. */
  open(port: number): Promise<{ store: JobStore; dispose: () => Promise<void> }>;
}

function throughProxy(url: string, port: number): URL {
  const proxied = new URL(url);
  proxied.host = `127.0.0.1:${port}`;
  proxied.searchParams.set('connectTimeout', String(TIMEOUT_MS));
  proxied.searchParams.set('statementTimeout', String(TIMEOUT_MS));
  return proxied;
}

const backends: Backend[] = [
  {
    name: 'PostgreSQL',
    url: serviceUrl('postgres'),
    open: async (port) => {
      const target = postgresTarget();
      const url = throughProxy(target.url(uniquePrefix('ho')), port);
      return { store: new PostgresJobStore(postgresOptionsFromUrl(url)), dispose: () => target.dispose() };
    },
  },
  {
    name: 'MariaDB',
    url: serviceUrl('mysql'),
    open: async (port) => {
      const target = mysqlTarget();
      await target.prepare();
      const url = throughProxy(target.url(uniquePrefix('ho')), port);
      return { store: new MySqlJobStore(mysqlOptionsFromUrl(url)), dispose: () => target.dispose() };
    },
  },
  {
    name: 'Redis',
    url: serviceUrl('redis'),
    open: async (port) => {
      const prefix = randomPrefix('half-open');
      const url = `redis://127.0.0.1:${port}?commandTimeout=${TIMEOUT_MS}`;
      const store = new RedisJobStore({ url, prefix, connectTimeout: TIMEOUT_MS });
      return { store, dispose: async () => void (await deleteKeys(serviceUrl('redis') as string, prefix)) };
    },
  },
  {
    name: 'ZooKeeper',
    url: serviceUrl('zookeeper'),
    open: async (port) => {
      const root = zkRoot(serviceUrl('zookeeper'), 'half-open');
      const store = new ZooKeeperJobStore({
        url: `zookeeper://127.0.0.1:${port}${root}`,
        connectTimeout: TIMEOUT_MS,
        operationTimeout: TIMEOUT_MS,
        // Longer than the test waits: the store must give up the silent connection itself, not
        // wait for the server to expire its session (which closes the proxied connection).
        sessionTimeout: 40_000,
      });
      return { store, dispose: () => dropRoot(serviceUrl('zookeeper') as string, root) };
    },
  },
];

/** Polls `condition` every 50 ms until it holds; fails after `deadlineMs`. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadlineMs: number) {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A scheduler, not started, on `backend` through a fresh proxy; everything closed after the test. */
async function proxiedScheduler(backend: Backend, options: { leaseTime?: number } = {}) {
  const real = new URL(backend.url as string);
  const proxy = new TcpProxy(real.hostname, Number(real.port));
  const port = await proxy.open();
  cleanups.push(() => proxy.close());
  const { store, dispose } = await backend.open(port);
  cleanups.push(dispose);
  const logger = collectingLogger();
  const scheduler = new Scheduler({ jobStores: { default: store }, logger, maxSleep: 0.5, ...options });
  cleanups.push(async () => {
    if (scheduler.state !== 'stopped') await scheduler.shutdown();
  });
  return { scheduler, proxy, logger };
}

/** A scheduler on `backend` through a fresh proxy, with three jobs every 0.3 s, started. */
async function runningScheduler(backend: Backend) {
  const { scheduler, proxy, logger } = await proxiedScheduler(backend, { leaseTime: 5 });
  const runs: { id: string; at: number }[] = [];
  const storeErrors: { at: number; event: JobStoreErrorEvent }[] = [];
  scheduler.on('jobstore_error', (event) => storeErrors.push({ at: Date.now(), event }));
  await scheduler.registerTask('tick', (id: string) => runs.push({ id, at: Date.now() }));
  const ids = ['a', 'b', 'c'];
  for (const id of ids) {
    await scheduler.addJob('tick', 'interval', { id, args: [id], seconds: 0.3, misfireGraceTime: null });
  }
  await scheduler.start();
  const allRanSince = (since: number) =>
    ids.every((id) => runs.some((run) => run.id === id && run.at > since));
  await waitFor('every job to run', () => allRanSince(0), 20_000);
  return { scheduler, proxy, logger, storeErrors, allRanSince };
}

for (const backend of backends) {
  describe.skipIf(backend.url === undefined)(`${backend.name} behind a half-open connection`, () => {
    it('reports the failure, and runs the jobs again once the network is back', async () => {
      const { proxy, logger, storeErrors, allRanSince } = await runningScheduler(backend);

      proxy.blackhole();
      const cut = Date.now();
      // A statement gets no reply for TIMEOUT_MS, then the usual store-failure path reports it.
      await waitFor('a store error', () => storeErrors.length > 0, 20_000);
      expect(storeErrors[0]?.at).toBeLessThan(cut + 20 * TIMEOUT_MS);
      expect(storeErrors[0]?.event).toMatchObject({ code: EVENT_JOBSTORE_ERROR, alias: 'default' });
      expect(
        logger.lines.some((line) => line.level === 'error' && line.message.includes('Job store "default"')),
      ).toBe(true);

      // The connections blackholed stay dead, as half-open ones do: the store must drop them.
      proxy.forward();
      const back = Date.now();
      await waitFor('every job to run again', () => allRanSince(back), 30_000);
    }, 60_000);

    it('shuts down within a bound while the network is silent', async () => {
      const { scheduler, proxy } = await runningScheduler(backend);
      proxy.blackhole();
      const begin = Date.now();
      await scheduler.shutdown();
      // A few timeouts (measured 1.5-4 s): the pass in progress, the last run records, closing the
      // connections. Without bounded waits it never returns.
      expect(Date.now() - begin).toBeLessThan(40 * TIMEOUT_MS);
    }, 60_000);

    it('keeps the records of runs that end during an outage, and writes them when the store is back', async () => {
      const { scheduler, proxy, logger } = await proxiedScheduler(backend);
      let started = false;
      let finish: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (finish = resolve));
      await scheduler.registerTask('slow', async () => {
        started = true;
        await gate;
        return 'done';
      });
      await scheduler.addJob('slow', undefined, { id: 'slow' });
      await scheduler.start();
      await waitFor('the run to start', () => started, 20_000);

      await proxy.close();
      finish();
      await waitFor(
        'the failed write of its record',
        () => logger.lines.some((line) => line.message.startsWith('Could not record a run of job slow')),
        20_000,
      );

      await proxy.open();
      await waitFor(
        'its record in the history',
        async () => {
          const runs = await scheduler.getRuns('slow').catch(() => []);
          return runs.some((run) => run.outcome === 'success' && run.returnValue === 'done');
        },
        30_000,
      );
    }, 60_000);
  });
}

describe('timeout options', () => {
  it('are read from store URLs and taken out of the driver URL', () => {
    const pg = postgresOptionsFromUrl(new URL('postgres://db/app?statementTimeout=2500&sslmode=require'));
    expect(pg).toMatchObject({ url: 'postgres://db/app?sslmode=require', statementTimeout: 2500 });
    const my = mysqlOptionsFromUrl(new URL('mysql://db/app?statementTimeout=750&connectTimeout=300'));
    expect(my).toMatchObject({ url: 'mysql://db/app', statementTimeout: 750, connectTimeout: 300 });
  });

  it.each([
    [
      'a statementTimeout of 0',
      () => new PostgresJobStore({ url: 'postgres://db/app', statementTimeout: 0 }),
    ],
    ['a negative statementTimeout', () => new MySqlJobStore({ url: 'mysql://db/app', statementTimeout: -1 })],
    [
      'a statementTimeout that is text',
      () => postgresOptionsFromUrl(new URL('postgres://db/a?statementTimeout=soon')),
    ],
    ['a statementTimeout of NaN', () => mysqlOptionsFromUrl(new URL('mysql://db/a?statementTimeout=NaN'))],
    ['a commandTimeout that is text', () => new RedisJobStore({ commandTimeout: '5s' as never })],
    [
      'a commandTimeout of 0 in the URL',
      () => new RedisJobStore({ url: 'redis://db:6379?commandTimeout=0' }),
    ],
  ])('refuse %s with a JobStoreError naming it', (_case, make) => {
    let error: unknown;
    try {
      make();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toMatch(
      /invalid (statement|command)Timeout.*positive number of milliseconds/,
    );
  });
});
