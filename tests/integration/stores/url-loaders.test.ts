// The one list of built-in stores: a store URL or `{ type }` configuration works without importing
// its subpath first. This file imports no store module itself, so each backend is loaded on demand.
import { describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import {
  BUILT_IN_SCHEMES,
  BUILT_IN_STORE_TYPES,
  loadBuiltInScheme,
  loadBuiltInType,
} from '../../../src/stores/built-in-stores.js';
import {
  createJobStoreFromConfig,
  createJobStoreFromUrl,
  registerJobStoreScheme,
  registerJobStoreType,
} from '../../../src/stores/registry.js';
import { MemoryJobStore } from '../../../src/stores/memory/memory-job-store.js';
import type { RedisJobStore } from '../../../src/stores/redis/index.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(JobStoreError);
  return error as Error;
}

describe('built-in job stores, loaded on first use', () => {
  // First, while no store module is loaded: the schemes that load on demand are still usable.
  it('names an unknown scheme, listing every scheme a URL can use, and a malformed URL', async () => {
    expect((await rejection(createJobStoreFromUrl('mongodb://db/app'))).message).toBe(
      'Unknown job store URL scheme "mongodb" in "mongodb://db/app"; known schemes are: ' +
        'etcd, mariadb, mysql, postgres, postgresql, redis, redis+cluster, rediss, rediss+cluster, sqlite, ' +
        'zookeeper',
    );
    await rejection(createJobStoreFromUrl('not a url'));
  });

  it('names an unknown type, listing every type a configuration can use', async () => {
    expect((await rejection(createJobStoreFromConfig({ type: 'mongo' }))).message).toBe(
      'Unknown job store type "mongo"; known types are: etcd, memory, mysql, postgres, redis, sqlite, zookeeper',
    );
  });

  it('createJobStoreFromUrl imports the backend of a scheme on first use', async () => {
    const store = await createJobStoreFromUrl('sqlite::memory:');
    expect(store.persistent).toBe(true);
    expect(store.constructor.name).toBe('SqliteJobStore');
    expect((await createJobStoreFromUrl('postgresql://db/app')).constructor.name).toBe('PostgresJobStore');
    expect((await createJobStoreFromUrl('mariadb://db/app')).constructor.name).toBe('MySqlJobStore');
    expect((await createJobStoreFromUrl('rediss://db:6380/0?prefix=app:')).constructor.name).toBe(
      'RedisJobStore',
    );
    const cluster = await createJobStoreFromUrl('redis+cluster://db:7000/?nodes=db2:7001&prefix=app:');
    expect((cluster as RedisJobStore).keyPrefix).toBe('{app:}');
  });

  it('createJobStoreFromConfig imports the backend of a type on first use', async () => {
    const made = {
      memory: await createJobStoreFromConfig({ type: 'memory' }),
      sqlite: await createJobStoreFromConfig({ type: 'sqlite', path: ':memory:' }),
      postgres: await createJobStoreFromConfig({ type: 'postgres', url: 'postgres://db/app' }),
      mysql: await createJobStoreFromConfig({ type: 'mysql', url: 'mysql://db/app' }),
      redis: await createJobStoreFromConfig({ type: 'redis', url: 'redis://db:6379' }),
    };
    expect(Object.values(made).map((store) => store.constructor.name)).toEqual([
      'MemoryJobStore',
      'SqliteJobStore',
      'PostgresJobStore',
      'MySqlJobStore',
      'RedisJobStore',
    ]);
    // The store's own validation, as with its constructor.
    const bad = await rejection(createJobStoreFromConfig({ type: 'redis', URL: 'redis://db:6379' }));
    expect(bad.message).toContain('Unknown RedisJobStore option "URL" (did you mean "url"?)');
    await rejection(createJobStoreFromConfig({ type: 'sqlite' }));
  });

  it('knows every built-in type and scheme and nothing else', async () => {
    expect([...BUILT_IN_SCHEMES].sort()).toEqual(
      [
        'mariadb',
        'mysql',
        'postgres',
        'postgresql',
        'redis',
        'rediss',
        'redis+cluster',
        'rediss+cluster',
        'sqlite',
        'zookeeper',
        'etcd',
      ].sort(),
    );
    expect([...BUILT_IN_STORE_TYPES].sort()).toEqual([
      'etcd',
      'memory',
      'mysql',
      'postgres',
      'redis',
      'sqlite',
      'zookeeper',
    ]);
    expect(await loadBuiltInScheme('mongodb')).toBeUndefined();
    expect(await loadBuiltInType('mongo')).toBeUndefined();
  });

  it("lets a user's own type and scheme be registered, and listed when one is unknown", async () => {
    const made: unknown[] = [];
    registerJobStoreType('test-own', (options) => {
      made.push(options);
      return new MemoryJobStore();
    });
    registerJobStoreScheme('test-own', (url) => {
      made.push(url.href);
      return new MemoryJobStore();
    });
    expect(await createJobStoreFromConfig({ type: 'test-own', size: 3 })).toBeInstanceOf(MemoryJobStore);
    expect(await createJobStoreFromUrl('test-own://here')).toBeInstanceOf(MemoryJobStore);
    expect(made).toEqual([{ size: 3 }, 'test-own://here']);
    expect((await rejection(createJobStoreFromUrl('nope://x'))).message).toContain('test-own');
    expect((await rejection(createJobStoreFromConfig({ type: 'nope' }))).message).toContain('test-own');
  });
});
