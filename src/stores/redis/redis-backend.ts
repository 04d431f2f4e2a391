import type { StoreBackend } from '../store-backend.js';
import { RedisJobStore } from './redis-job-store.js';

/**
 * `{ type: 'redis', url }` and `redis:` / `rediss:` (TLS) URLs such as
 * `redis://host:6379/0?prefix=billing:`: the `prefix` query parameter is the store's key prefix;
 * everything else goes to ioredis as it is. A Redis Cluster: `redis+cluster:` / `rediss+cluster:`
 * URLs such as `redis+cluster://host:7000/?nodes=host:7001,host:7002&prefix=billing:`.
 */
export const redisBackend: StoreBackend = {
  create: (options) => new RedisJobStore(options),
  fromUrl: (url) => {
    const copy = new URL(url.href);
    const prefix = copy.searchParams.get('prefix');
    copy.searchParams.delete('prefix');
    return new RedisJobStore({ url: copy.href, ...(prefix === null ? {} : { prefix }) });
  },
};
