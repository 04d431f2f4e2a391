import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import type { JobStore } from '../../src/stores/job-store.js';
import { RedisJobStore } from '../../src/stores/redis/index.js';
import { serviceUrl } from '../helpers/services.js';
import { unreadableDocument } from '../helpers/sql.js';
import { deleteKeys, randomPrefix } from '../integration/redis/redis-test-env.js';
import { runJobStoreConformance } from './job-store.suite.js';

const url = serviceUrl('redis');

describe.skipIf(url === undefined)('Redis', () => {
  const redisUrl = url as string;
  // Every test gets its own prefix under this one, and the whole run is swept at the end.
  const runPrefix = randomPrefix('conformance');
  let raw: Redis;
  let count = 0;

  beforeAll(async () => {
    raw = new Redis(redisUrl, { lazyConnect: true });
    await raw.connect();
  });
  afterAll(async () => {
    await raw.quit();
  });

  runJobStoreConformance({
    name: 'Redis',
    makeStore: () => new RedisJobStore({ url: redisUrl, prefix: `${runPrefix}${++count}:` }),
    cleanup: async () => {
      await deleteKeys(redisUrl, runPrefix);
    },
    unreadableJobs: {
      corruptJob: async (store: JobStore, id: string) => {
        const key = `${(store as RedisJobStore).prefix}jobs`;
        await raw.hset(key, id, unreadableDocument((await raw.hget(key, id)) as string));
      },
    },
  });
});
