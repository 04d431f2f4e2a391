// Redis Cluster faults: the cluster goes away while a scheduler runs, cut (as a crashed server) or
// silent (half-open), through a TCP proxy in front of every master; the store logs, the scheduler
// retries, and every job runs again when the cluster is back, with no job lost.
import type { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, currentJob } from '../../../src/index.js';
import { RedisJobStore } from '../../../src/stores/redis/index.js';
import { collectingLogger } from '../../helpers/jobs.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { deleteClusterKeys, openCluster } from '../redis/redis-cluster-env.js';
import { randomPrefix } from '../redis/redis-test-env.js';

const url = serviceUrl('redisCluster');

describe.skipIf(url === undefined)('Redis Cluster going away while the scheduler runs', () => {
  const runPrefix = randomPrefix('cluster-faults');
  let raw: Cluster;
  let count = 0;
  const keyPrefixes = new Set<string>();
  beforeAll(async () => {
    raw = await openCluster(url as string);
  });
  afterAll(async () => {
    for (const keyPrefix of keyPrefixes) await deleteClusterKeys(url as string, keyPrefix);
    await raw.quit();
  });

  const proxies: TcpProxy[] = [];
  const schedulers: Scheduler[] = [];
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.shutdown()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  /** A scheduler reaching every master through a proxy of its own, running three jobs every 0.3 s. */
  async function proxiedScheduler() {
    // The store dials the proxies for the addresses the cluster announces.
    const natMap: Record<string, { host: string; port: number }> = {};
    for (const node of raw.nodes('master')) {
      const { host, port } = node.options as { host: string; port: number };
      const proxy = new TcpProxy(host, port);
      proxies.push(proxy);
      natMap[`${host}:${port}`] = { host: '127.0.0.1', port: await proxy.open() };
    }
    const store = new RedisJobStore({
      nodes: Object.values(natMap),
      natMap,
      prefix: `${runPrefix}${++count}:`,
      connectTimeout: 1000,
      commandTimeout: 1000,
    });
    keyPrefixes.add(store.keyPrefix);
    const logger = collectingLogger();
    const scheduler = new Scheduler({ jobStores: { default: store }, logger, leaseTime: 2, maxSleep: 0.5 });
    schedulers.push(scheduler);
    const runs: { id: string; at: number }[] = [];
    await scheduler.registerTask('tick', () =>
      runs.push({ id: currentJob()?.jobId as string, at: Date.now() }),
    );
    const ids = ['a', 'b', 'c'];
    for (const id of ids)
      await scheduler.addJob('tick', 'interval', { id, seconds: 0.3, misfireGraceTime: null });
    await scheduler.start();
    const allRanSince = (since: number) =>
      ids.every((id) => runs.some((run) => run.id === id && run.at > since));
    await waitUntil(() => allRanSince(0), 'every job to run', 20_000, 50);
    const failureLogged = () =>
      waitUntil(
        () =>
          logger.lines.some((line) => line.level === 'error' && line.message.includes('Job store "default"')),
        'the store failure in the log',
        20_000,
        50,
      );
    const allRunAgain = async () => {
      const back = Date.now();
      await waitUntil(() => allRanSince(back), 'every job to run again', 30_000, 50);
      expect((await scheduler.getJobs()).map((job) => job.id).sort()).toEqual(ids);
    };
    return { failureLogged, allRunAgain };
  }

  it('logs, retries, and runs every job again when the cluster is back', async () => {
    const { failureLogged, allRunAgain } = await proxiedScheduler();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await failureLogged();
    for (const proxy of proxies) await proxy.open();
    await allRunAgain();
  }, 90_000);

  it('drops connections gone silent (half-open) and recovers when the network is back', async () => {
    const { failureLogged, allRunAgain } = await proxiedScheduler();
    for (const proxy of proxies) proxy.blackhole();
    await failureLogged();
    for (const proxy of proxies) proxy.forward();
    await allRunAgain();
  }, 90_000);
});
