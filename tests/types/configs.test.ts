// Type tests for `{ type, ...options }` configuration of job stores and executors: each type's
// options are its own, a misspelt option or an unknown type is a compile error, and a user's own
// store or executor joins by declaration merging. `npm run typecheck` checks this file: each
// `@ts-expect-error` line must not compile.
import { describe, expectTypeOf, it } from 'vitest';
import {
  Scheduler,
  type ExecutorConfig,
  type JobStoreConfig,
  type JobStoreType,
  type PoolExecutorOptions,
  type SchedulerOptions,
} from '../../src/index.js';
import type { EtcdJobStoreOptions } from '../../src/stores/etcd/index.js';
import type { RedisJobStoreOptions } from '../../src/stores/redis/index.js';
import type { SqliteJobStoreOptions } from '../../src/stores/sqlite/index.js';
import type { ZooKeeperJobStoreOptions } from '../../src/stores/zookeeper/index.js';

/** The options of a store of the user's own, merged into `JobStoreTypes` below. */
interface TypeTestStoreOptions {
  shards: number;
}

declare module '../../src/index.js' {
  interface JobStoreTypes {
    'type-test-store': TypeTestStoreOptions;
  }
  interface ExecutorTypes {
    'type-test-executor': { lanes?: number };
  }
}

type ConfigOf<T extends JobStoreConfig['type']> = Extract<JobStoreConfig, { type: T }>;

describe('typed job store configs', () => {
  it('gives each built-in type its own options', () => {
    expectTypeOf<JobStoreType>().toEqualTypeOf<
      'memory' | 'sqlite' | 'postgres' | 'mysql' | 'redis' | 'zookeeper' | 'etcd' | 'type-test-store'
    >();
    expectTypeOf<Omit<ConfigOf<'sqlite'>, 'type'>>().toEqualTypeOf<SqliteJobStoreOptions>();
    expectTypeOf<Omit<ConfigOf<'redis'>, 'type'>>().toEqualTypeOf<RedisJobStoreOptions>();
    expectTypeOf<Omit<ConfigOf<'zookeeper'>, 'type'>>().toEqualTypeOf<ZooKeeperJobStoreOptions>();
    expectTypeOf<Omit<ConfigOf<'etcd'>, 'type'>>().toEqualTypeOf<EtcdJobStoreOptions>();
    expectTypeOf({
      type: 'sqlite',
      path: 'jobs.sqlite',
      busyTimeout: 100,
    } as const).toExtend<JobStoreConfig>();
    expectTypeOf({ type: 'memory' } as const).toExtend<JobStoreConfig>();
  });

  it('refuses a misspelt option, an option of another type and an unknown type', () => {
    const configs: JobStoreConfig[] = [
      { type: 'sqlite', path: 'jobs.sqlite' },
      { type: 'postgres', url: 'postgres://db/app', schema: 'jobs' },
      { type: 'mysql', url: 'mysql://db/app', tablePrefix: 'app_' },
      { type: 'redis', url: 'redis://db:6379', prefix: 'app:' },
      { type: 'redis', url: 'redis+cluster://db1:7000,db2:7000', prefix: 'app:' },
      {
        type: 'redis',
        nodes: ['db1:7000', { host: 'db2', port: 7000 }],
        natMap: { '10.0.0.5:7000': { host: 'db1', port: 7000 } },
      },
      // @ts-expect-error a seed node is 'host:port' or { host, port }, not a port number
      { type: 'redis', nodes: [7000] },
      { type: 'zookeeper', url: 'zookeeper://zk1:2181,zk2:2181/app', sessionTimeout: 10_000 },
      // @ts-expect-error `prefix` is Redis's; a ZooKeeper store has a `root` path
      { type: 'zookeeper', url: 'zookeeper://zk1:2181/app', prefix: 'app:' },
      { type: 'etcd', url: 'etcd://10.0.0.1:2379,10.0.0.2:2379/app', commandTimeout: 5000 },
      // @ts-expect-error `tablePrefix` is for SQL stores; an etcd store has a key `prefix`
      { type: 'etcd', url: 'etcd://10.0.0.1:2379/app', tablePrefix: 'app_' },
      // @ts-expect-error `pth` is not an SQLite option
      { type: 'sqlite', pth: 'jobs.sqlite' },
      // @ts-expect-error `prefix` is Redis's, not PostgreSQL's
      { type: 'postgres', url: 'postgres://db/app', prefix: 'app:' },
      // @ts-expect-error the memory store takes no options
      { type: 'memory', path: 'x' },
      // @ts-expect-error no store has this type
      { type: 'mongo', url: 'mongodb://db/app' },
    ];
    expectTypeOf(configs).toEqualTypeOf<JobStoreConfig[]>();
  });

  it('refuses a misspelt option in the scheduler options', () => {
    const options: SchedulerOptions = {
      jobStores: {
        default: { type: 'sqlite', path: 'jobs.sqlite' },
        cache: 'redis://127.0.0.1:6379',
        // @ts-expect-error `pth` is not an SQLite option
        other: { type: 'sqlite', pth: 'jobs.sqlite' },
      },
    };
    expectTypeOf(options).toEqualTypeOf<SchedulerOptions>();
    expectTypeOf(Scheduler).constructorParameters.toEqualTypeOf<[options?: SchedulerOptions]>();
  });

  it("takes a user's own store type merged into JobStoreTypes", () => {
    expectTypeOf({ type: 'type-test-store', shards: 3 } as const).toExtend<JobStoreConfig>();
    // @ts-expect-error `shards` is required by the merged options
    const missing: JobStoreConfig = { type: 'type-test-store' };
    expectTypeOf(missing).toEqualTypeOf<JobStoreConfig>();
  });
});

describe('typed executor configs', () => {
  it('gives each executor type its own options', () => {
    expectTypeOf<ExecutorConfig['type']>().toEqualTypeOf<
      'async' | 'thread' | 'process' | 'type-test-executor'
    >();
    expectTypeOf<
      Omit<Extract<ExecutorConfig, { type: 'thread' }>, 'type'>
    >().toEqualTypeOf<PoolExecutorOptions>();
    const configs: ExecutorConfig[] = [
      { type: 'async', maxConcurrency: 20 },
      { type: 'thread', maxWorkers: 2 },
      { type: 'process', maxWorkers: 2, memoryLimitMb: 512 },
      { type: 'type-test-executor', lanes: 2 },
      // @ts-expect-error `maxWorkers` belongs to the pool executors
      { type: 'async', maxWorkers: 2 },
      // @ts-expect-error `maxConcurency` is misspelt
      { type: 'async', maxConcurency: 2 },
      // @ts-expect-error no executor has this type
      { type: 'gevent' },
    ];
    expectTypeOf(configs).toEqualTypeOf<ExecutorConfig[]>();
  });
});
