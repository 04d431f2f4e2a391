import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import type { JobStore } from '../../src/stores/job-store.js';
import { RedisJobStore } from '../../src/stores/redis/index.js';
import { serviceUrl } from '../helpers/services.js';
import { unreadableDocument } from '../helpers/sql.js';
import { deleteClusterKeys, openCluster } from '../integration/redis/redis-cluster-env.js';
import { randomPrefix } from '../integration/redis/redis-test-env.js';
import { runJobStoreConformance } from './job-store.suite.js';

const url = serviceUrl('redisCluster');

describe.skipIf(url === undefined)('Redis Cluster', () => {
  const clusterUrl = url as string;
  // Every test gets its own prefix (so its own hash tag, spread over the nodes) under this one;
  // the whole run is swept at the end.
  const runPrefix = randomPrefix('conformance-cluster');
  let raw: Cluster;
  let count = 0;

  beforeAll(async () => {
    raw = await openCluster(clusterUrl);
  });
  afterAll(async () => {
    await raw.quit();
  });

  runJobStoreConformance({
    name: 'Redis Cluster',
    makeStore: () => new RedisJobStore({ url: clusterUrl, prefix: `${runPrefix}${++count}:` }),
    cleanup: async () => {
      // `{horae-test:...` : the wrapped prefixes all start with the run prefix after the brace.
      await deleteClusterKeys(clusterUrl, `{${runPrefix}`);
    },
    unreadableJobs: {
      corruptJob: async (store: JobStore, id: string) => {
        const key = `${(store as RedisJobStore).keyPrefix}jobs`;
        await raw.hset(key, id, unreadableDocument((await raw.hget(key, id)) as string));
      },
    },
  });
});
