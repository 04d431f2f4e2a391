import { Cluster } from 'ioredis';
import { clusterTargetFromUrl } from '../../../src/stores/redis/redis-cluster.js';

/** An ioredis `Cluster` to the cluster of a `redis+cluster://` URL, connected. */
export async function openCluster(url: string): Promise<Cluster> {
  const target = clusterTargetFromUrl(url);
  const cluster = new Cluster(target.nodes, {
    lazyConnect: true,
    redisOptions: {
      maxRetriesPerRequest: 1,
      ...(target.password === undefined ? {} : { password: target.password }),
    },
  });
  await cluster.connect();
  return cluster;
}

/**
 * Deletes every key under `keyPrefix` on every master of the cluster (SCAN, never KEYS), so a run
 * leaves the cluster as it found it. Keys are deleted one by one: they may sit in several slots.
 */
export async function deleteClusterKeys(url: string, keyPrefix: string): Promise<number> {
  const cluster = await openCluster(url);
  let deleted = 0;
  try {
    for (const node of cluster.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) deleted += await cluster.del(key);
      } while (cursor !== '0');
    }
  } finally {
    await cluster.quit();
  }
  return deleted;
}
