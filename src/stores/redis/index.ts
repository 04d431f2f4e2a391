export { RedisJobStore, REDIS_SCHEMA_VERSION, type RedisJobStoreOptions } from './redis-job-store.js';
export type { RedisClient } from './redis-connection.js';
export type { RedisClusterNode } from './redis-cluster.js';
