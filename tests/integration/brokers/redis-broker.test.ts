// RedisEventBroker against a real Redis (HORAE_REDIS_URL): the shared broker suite, then what is
// Redis's own: a client passed in (duplicated, never in subscriber mode, never closed) and a Redis
// Cluster (HORAE_REDIS_CLUSTER_URL).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisEventBroker } from '../../../src/brokers/redis/index.js';
import { serviceUrl } from '../../helpers/services.js';
import { openCluster } from '../redis/redis-cluster-env.js';
import { received, runBrokerSuite, testNode, uniqueChannel, wakeup } from './broker.suite.js';

const url = serviceUrl('redis');
const clusterUrl = serviceUrl('redisCluster');
let raw: Redis | undefined;

runBrokerSuite({
  name: 'Redis',
  url,
  module: 'redis',
  make: ({ url: brokerUrl, channel, quick }) =>
    new RedisEventBroker({
      url: brokerUrl,
      channel,
      connectTimeout: 2_000,
      ...(quick ? { pingInterval: 500 } : {}),
    }),
  sendRaw: async (channel, text) => {
    raw ??= new Redis(url as string);
    await raw.publish(channel, text);
  },
  dispose: async () => {
    await raw?.quit();
    raw = undefined;
  },
});

describe.skipIf(url === undefined)('Redis event broker with a client passed in', () => {
  it('subscribes on a duplicate, publishes through the client, and leaves it open and usable', async () => {
    const client = new Redis(url as string);
    const channel = uniqueChannel();
    const a = testNode(new RedisEventBroker({ client, channel }), 'node-a');
    const b = testNode(new RedisEventBroker({ url, channel }), 'node-b');
    try {
      await a.broker.start(a.context);
      await b.broker.start(b.context);
      expect(client.mode).toBe('normal');
      // Only the broker's duplicate and b's subscriber listen on the channel.
      expect(await client.call('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 2]);
      const message = wakeup('node-a');
      a.broker.publish(message);
      await received(b, message);
      await received(a, message);
      expect(await client.set(`${channel}:probe`, '1', 'EX', 10)).toBe('OK');
      await a.broker.shutdown();
      expect(client.status).toBe('ready');
      expect(await client.get(`${channel}:probe`)).toBe('1');
      expect(await client.call('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 1]);
    } finally {
      await Promise.all([a.broker.shutdown(), b.broker.shutdown()]);
      await client.quit();
    }
  });
});

describe.skipIf(clusterUrl === undefined)('Redis event broker on a Redis Cluster', () => {
  it('carries messages between nodes through an ioredis Cluster passed in', async () => {
    const clusters = [await openCluster(clusterUrl as string), await openCluster(clusterUrl as string)];
    const channel = uniqueChannel();
    const [a, b] = clusters.map((client, index) =>
      testNode(new RedisEventBroker({ client, channel }), `node-${index}`),
    ) as [ReturnType<typeof testNode>, ReturnType<typeof testNode>];
    try {
      await a.broker.start(a.context);
      await b.broker.start(b.context);
      const fromA = wakeup('node-0');
      const fromB = wakeup('node-1');
      a.broker.publish(fromA);
      b.broker.publish(fromB);
      for (const node of [a, b]) {
        await received(node, fromA);
        await received(node, fromB);
      }
      await Promise.all([a.broker.shutdown(), b.broker.shutdown()]);
      for (const client of clusters) expect(client.status).toBe('ready');
    } finally {
      await Promise.all([a.broker.shutdown(), b.broker.shutdown()]);
      await Promise.all(clusters.map((client) => client.quit()));
    }
  });
});
