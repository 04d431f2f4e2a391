import type { EtcdJobStoreOptions } from './etcd/etcd-job-store.js';
import type { MySqlJobStoreOptions } from './mysql/mysql-job-store.js';
import type { PostgresJobStoreOptions } from './postgres/postgres-job-store.js';
import type { RedisJobStoreOptions } from './redis/redis-job-store.js';
import type { ZooKeeperJobStoreOptions } from './zookeeper/zookeeper-options.js';
import type { SqliteJobStoreOptions } from './sqlite/sqlite-job-store.js';

/** `MemoryJobStore` takes no options. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MemoryJobStoreOptions {}

/**
 * The options of each job store type, for `{ type, ...options }` configuration: the scheduler's
 * `JobStoreConfig` is `{ type: K } & JobStoreTypes[K]` for each key `K`, so a misspelt option is a
 * compile error. The built-in types are declared here (as types only: no backend is loaded by
 * this); a store of your own, registered with `registerJobStoreType`, adds its entry by
 * declaration merging:
 *
 * @example
 * declare module 'horae' {
 *   interface JobStoreTypes {
 *     mongo: MongoJobStoreOptions;
 *   }
 * }
 * registerJobStoreType('mongo', (options) => new MongoJobStore(options as MongoJobStoreOptions));
 */
export interface JobStoreTypes {
  memory: MemoryJobStoreOptions;
  sqlite: SqliteJobStoreOptions;
  postgres: PostgresJobStoreOptions;
  mysql: MySqlJobStoreOptions;
  redis: RedisJobStoreOptions;
  zookeeper: ZooKeeperJobStoreOptions;
  etcd: EtcdJobStoreOptions;
}

/** A job store type of `{ type, ...options }` configuration. */
export type JobStoreType = keyof JobStoreTypes & string;
