import { JobStoreError } from '../errors.js';
import type { StoreBackend } from './store-backend.js';
import type { JobStoreTypes } from './store-types.js';

/** A built-in backend: its type, URL schemes, public subpath, and how to load it. */
interface BuiltInStore {
  readonly type: keyof JobStoreTypes;
  /** URL schemes, without the colon. */
  readonly schemes: readonly string[];
  /** The subpath that exports the store class, for messages. */
  readonly subpath: string;
  load(): Promise<StoreBackend>;
}

/**
 * The one list of built-in job stores. A backend is imported only when its type or URL scheme is
 * first used, so `new Scheduler({ jobStores: { default: 'postgres://...' } })` works without
 * importing `horae/stores/postgres` first, and each driver stays an optional peer dependency.
 */
const BUILT_IN_STORES: readonly BuiltInStore[] = [
  {
    type: 'memory',
    schemes: [],
    subpath: 'horae',
    load: async () => (await import('./memory/memory-backend.js')).memoryBackend,
  },
  {
    type: 'sqlite',
    schemes: ['sqlite'],
    subpath: 'horae/stores/sqlite',
    load: async () => (await import('./sqlite/sqlite-backend.js')).sqliteBackend,
  },
  {
    type: 'postgres',
    schemes: ['postgres', 'postgresql'],
    subpath: 'horae/stores/postgres',
    load: async () => (await import('./postgres/postgres-backend.js')).postgresBackend,
  },
  {
    type: 'mysql',
    schemes: ['mysql', 'mariadb'],
    subpath: 'horae/stores/mysql',
    load: async () => (await import('./mysql/mysql-backend.js')).mysqlBackend,
  },
  {
    type: 'redis',
    schemes: ['redis', 'rediss', 'redis+cluster', 'rediss+cluster'],
    subpath: 'horae/stores/redis',
    load: async () => (await import('./redis/redis-backend.js')).redisBackend,
  },
  {
    type: 'zookeeper',
    schemes: ['zookeeper'],
    subpath: 'horae/stores/zookeeper',
    load: async () => (await import('./zookeeper/zookeeper-backend.js')).zookeeperBackend,
  },
  {
    type: 'etcd',
    schemes: ['etcd'],
    subpath: 'horae/stores/etcd',
    load: async () => (await import('./etcd/etcd-backend.js')).etcdBackend,
  },
];

/** The built-in store types of `{ type, ...options }` configuration. */
export const BUILT_IN_STORE_TYPES: readonly string[] = BUILT_IN_STORES.map((store) => store.type);

/** The URL schemes of the built-in stores. */
export const BUILT_IN_SCHEMES: readonly string[] = BUILT_IN_STORES.flatMap((store) => store.schemes);

/**
 * The built-in backend of a store type, loaded; `undefined` when no built-in store has that type.
 * Throws `JobStoreError` when its module fails to load.
 */
export function loadBuiltInType(type: string): Promise<StoreBackend | undefined> {
  const store = BUILT_IN_STORES.find((candidate) => candidate.type === type);
  return load(store, `Job store type "${type}"`);
}

/** The built-in backend of a URL scheme (without the colon), loaded, as `loadBuiltInType`. */
export function loadBuiltInScheme(scheme: string): Promise<StoreBackend | undefined> {
  const store = BUILT_IN_STORES.find((candidate) => candidate.schemes.includes(scheme));
  return load(store, `Job store URL scheme "${scheme}"`);
}

async function load(store: BuiltInStore | undefined, what: string): Promise<StoreBackend | undefined> {
  if (store === undefined) return undefined;
  try {
    return await store.load();
  } catch (cause) {
    throw new JobStoreError(
      `${what} needs ${store.subpath}, which failed to load: ${(cause as Error).message}`,
      { cause },
    );
  }
}
