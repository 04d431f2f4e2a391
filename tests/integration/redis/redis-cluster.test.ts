// RedisJobStore on a Redis Cluster: the ways to reach one (URL, nodes, a Cluster of your own), the
// key layout (one hash tag per prefix, for runs in progress and nodes too) and bad options. Outages:
// tests/integration/stores/redis-cluster-faults.test.ts.
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import { JobStoreError } from '../../../src/errors.js';
import type { JobStoreContext } from '../../../src/stores/job-store.js';
import { RedisJobStore } from '../../../src/stores/redis/index.js';
import { clusterTargetFromUrl } from '../../../src/stores/redis/redis-cluster.js';
import { createJobStoreFromUrl } from '../../../src/stores/registry.js';
import { T0, collectingLogger, makeJob, makeRun } from '../../helpers/jobs.js';
import { makeActiveRun } from '../../conformance/cluster.suite.js';
import { serviceUrl } from '../../helpers/services.js';
import { deleteClusterKeys, openCluster } from './redis-cluster-env.js';
import { randomPrefix } from './redis-test-env.js';

const context = (): JobStoreContext => ({
  alias: 'default',
  clock: new SystemClock(),
  logger: collectingLogger(),
});

describe('Redis Cluster options', () => {
  it('wraps the prefix into a hash tag, or keeps a tag the prefix already has', () => {
    const url = 'redis+cluster://db:7000/';
    expect(new RedisJobStore({ url }).keyPrefix).toBe('{horae:}');
    expect(new RedisJobStore({ url, prefix: 'billing:' }).keyPrefix).toBe('{billing:}');
    expect(new RedisJobStore({ url, prefix: 'app:{billing}:' }).keyPrefix).toBe('app:{billing}:');
    expect(new RedisJobStore({ nodes: ['db:7000'], prefix: 'a{}b' }).keyPrefix).toBe('{a{}b}');
    // A single Redis keeps the keys it always had.
    expect(new RedisJobStore({ url: 'redis://db:6379', prefix: 'billing:' }).keyPrefix).toBe('billing:');
  });

  it('reads seed nodes, credentials and TLS from the URL', () => {
    const target = clusterTargetFromUrl(
      'rediss+cluster://app:s%40cret@db-a:7000/?nodes=db-b:7001,[::1]:7002&prefix=x:&commandTimeout=500',
    );
    expect(target).toMatchObject({
      nodes: [
        { host: 'db-a', port: 7000 },
        { host: 'db-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(target.shown).not.toContain('cret');
  });

  it('reads a list of hosts in the URL as seed nodes', () => {
    const url = 'redis+cluster://:pw@a:7000,b:7001/?nodes=c:7002&prefix=x:';
    expect(clusterTargetFromUrl(url).nodes.map(({ host, port }) => `${host}:${port}`)).toEqual([
      'a:7000',
      'b:7001',
      'c:7002',
    ]);
    const store = new RedisJobStore({
      url: 'redis+cluster://a:7000,b:7001?commandTimeout=500',
      prefix: 'x:',
    });
    expect(store.keyPrefix).toBe('{x:}');
    expect(() => new RedisJobStore({ url: 'redis+cluster://a:7000,b:7001?commandTimeout=soon' })).toThrow(
      'commandTimeout="soon"',
    );
    expect(clusterTargetFromUrl('redis+cluster://a,b:7001/').nodes).toEqual([
      { host: 'a', port: 6379 },
      { host: 'b', port: 7001 },
    ]);
  });

  it('is made from a URL listing several hosts, with the prefix of its parameter', async () => {
    const store = await createJobStoreFromUrl('redis+cluster://:pw@a:7000,b:7001/?prefix=app:');
    expect((store as RedisJobStore).keyPrefix).toBe('{app:}');
    await expect(createJobStoreFromUrl('redis+cluster://a:7000,b:x/')).rejects.toThrow(JobStoreError);
  });

  it.each([
    ['an empty prefix', () => new RedisJobStore({ url: 'redis+cluster://db:7000', prefix: '' }), 'prefix ""'],
    [
      'nodes beside a url',
      () => new RedisJobStore({ url: 'redis://db:6379', nodes: ['db:7000'] }),
      'one of url, client and nodes',
    ],
    ['no nodes', () => new RedisJobStore({ nodes: [] }), 'no seed node'],
    ['a node with a bad port', () => new RedisJobStore({ nodes: ['db:70000'] }), 'node "db:70000" is not'],
    [
      'a node object without a port',
      () => new RedisJobStore({ nodes: [{ host: 'db' } as never] }),
      'node {"host":"db"} is not { host, port }',
    ],
    [
      'natMap without a cluster',
      () => new RedisJobStore({ url: 'redis://db:6379', natMap: {} }),
      'natMap applies to a cluster',
    ],
    [
      'an unknown URL parameter',
      () => new RedisJobStore({ url: 'redis+cluster://db:7000/?node=db:7001' }),
      'unknown parameter "node"',
    ],
    [
      'a database in the URL',
      () => new RedisJobStore({ url: 'redis+cluster://:pw@db:7000/2' }),
      'a cluster has no databases',
    ],
  ])('refuses %s with a JobStoreError', (_what, make, message) => {
    expect(make).toThrow(JobStoreError);
    expect(make).toThrow(message);
  });

  it('fails to start fast when no node answers, without showing the password', async () => {
    const store = new RedisJobStore({ url: 'redis+cluster://:secret@127.0.0.1:1/?nodes=127.0.0.1:2' });
    const started = Date.now();
    const error = await store.start(context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toContain('cannot connect to redis+cluster://:***@127.0.0.1:1/');
    expect((error as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

const url = serviceUrl('redisCluster');

describe.skipIf(url === undefined)('Redis job store on a real Redis Cluster', () => {
  const clusterUrl = url as string;
  const runPrefix = randomPrefix('cluster');
  let raw: Cluster;
  let count = 0;
  const stores: RedisJobStore[] = [];
  const keyPrefixes = new Set<string>();
  const track = (store: RedisJobStore) => {
    stores.push(store);
    keyPrefixes.add(store.keyPrefix);
    return store;
  };

  beforeAll(async () => {
    raw = await openCluster(clusterUrl);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.shutdown()));
  });
  afterAll(async () => {
    for (const keyPrefix of keyPrefixes) await deleteClusterKeys(clusterUrl, keyPrefix);
    await raw.quit();
  });

  /** The slots of every key under `keyPrefix`, over all masters. */
  async function slotsOf(keyPrefix: string): Promise<Set<number>> {
    const slots = new Set<number>();
    for (const node of raw.nodes('master')) {
      const keys = await node.keys(`${keyPrefix}*`);
      for (const key of keys) slots.add(Number(await raw.cluster('KEYSLOT', key)));
    }
    return slots;
  }

  it('keeps all the keys of a store, run histories, runs in progress and nodes included, in one slot', async () => {
    const store = track(new RedisJobStore({ url: clusterUrl, prefix: `${runPrefix}${++count}:` }));
    await store.start(context());
    for (const id of ['a', 'b', 'c']) await store.addJob(makeJob(id, T0));
    await store.addRuns(
      ['a', 'b', 'c'].map((id) => makeRun(id, T0)),
      10,
    );
    await store.acquireDueJobs('s', new Date(T0), 60_000, 2);
    await store.removeJob('c');
    await store.releaseJobs(
      's',
      [],
      [
        makeActiveRun('held', makeJob('a', T0), 's'),
        makeActiveRun('waiting', makeJob('b', T0, { executor: 'cpu' }), null),
      ],
    );
    await store.heartbeat(
      {
        id: 's',
        role: 'both',
        hostname: 'h',
        pid: 1,
        startedAt: new Date(T0),
        lastHeartbeat: new Date(T0),
        expiresAt: new Date(T0),
        executors: ['default'],
      },
      new Date(T0),
      60_000,
    );
    const keys = ['runs:a', 'jobs', 'active:held', 'waiting:cpu', 'holding:s', 'instances', 'nodes'];
    expect(await raw.exists(...keys.map((key) => store.keyPrefix + key))).toBe(keys.length);
    expect((await slotsOf(store.keyPrefix)).size).toBe(1);
  });

  it('works from seed nodes given as options', async () => {
    const nodes = clusterTargetFromUrl(clusterUrl).nodes;
    const store = track(new RedisJobStore({ nodes, prefix: `${runPrefix}${++count}:` }));
    await store.start(context());
    await store.addJob(makeJob('n', T0));
    expect((await store.acquireDueJobs('s', new Date(T0), 1000, 10)).map((job) => job.id)).toEqual(['n']);
  });

  it('uses a Cluster it is given, with the cluster key layout, and leaves it open', async () => {
    const client = await openCluster(clusterUrl);
    try {
      const store = track(new RedisJobStore({ client, prefix: `${runPrefix}${++count}:` }));
      expect(store.keyPrefix).toBe(`{${runPrefix}${count}:}`);
      await store.start(context());
      await store.addJob(makeJob('mine', T0));
      await store.shutdown();
      expect(client.status).toBe('ready');
      expect(await client.hexists(`${store.keyPrefix}jobs`, 'mine')).toBe(1);
    } finally {
      await client.quit();
    }
  });
});
