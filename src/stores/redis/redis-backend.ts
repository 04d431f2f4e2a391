import { JobStoreError } from '../../errors.js';
import type { StoreBackend } from '../store-backend.js';
import { redactUrl } from '../redact-url.js';
import { normalizeClusterUrl } from './redis-cluster.js';
import { RedisJobStore } from './redis-job-store.js';

/**
 * `{ type: 'redis', url }` and `redis:` / `rediss:` (TLS) URLs such as
 * `redis://host:6379/0?prefix=billing:`: the `prefix` query parameter is the store's key prefix;
 * everything else goes to ioredis as it is. A Redis Cluster: `redis+cluster:` / `rediss+cluster:`
 * URLs such as `redis+cluster://host:7000,host:7001/?prefix=billing:`.
 */
export const redisBackend: StoreBackend = {
  create: (options) => new RedisJobStore(options),
  fromUrl,
  // A cluster URL listing several hosts, which WHATWG URL refuses.
  fromUrlText: (text) => {
    let url: URL;
    try {
      url = new URL(normalizeClusterUrl(text));
    } catch (cause) {
      throw new JobStoreError(`Malformed job store URL ${JSON.stringify(redactUrl(text))}`, { cause });
    }
    return fromUrl(url);
  },
};

function fromUrl(url: URL): RedisJobStore {
  const copy = new URL(url.href);
  const prefix = copy.searchParams.get('prefix');
  copy.searchParams.delete('prefix');
  return new RedisJobStore({ url: copy.href, ...(prefix === null ? {} : { prefix }) });
}
