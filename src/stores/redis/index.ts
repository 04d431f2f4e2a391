import { registerJobStoreScheme, registerJobStoreType } from '../registry.js';
import { RedisJobStore, type RedisJobStoreOptions } from './redis-job-store.js';

/**
 * `redis://host:6379/0?prefix=billing:` (or `rediss://` for TLS): the `prefix` query parameter is the
 * store's key prefix; everything else goes to ioredis as it is.
 */
function fromUrl(url: URL): Promise<RedisJobStore> {
  const copy = new URL(url.href);
  const prefix = copy.searchParams.get('prefix');
  copy.searchParams.delete('prefix');
  return Promise.resolve(new RedisJobStore({ url: copy.href, ...(prefix === null ? {} : { prefix }) }));
}

registerJobStoreScheme('redis', fromUrl);
registerJobStoreScheme('rediss', fromUrl);
registerJobStoreType('redis', (options) => new RedisJobStore(options as RedisJobStoreOptions));

export { RedisJobStore, REDIS_SCHEMA_VERSION, type RedisJobStoreOptions } from './redis-job-store.js';
export type { RedisClient } from './redis-connection.js';
