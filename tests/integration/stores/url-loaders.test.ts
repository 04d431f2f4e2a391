// The lazy scheme table: a store URL works without importing its subpath first. This file imports
// no store module itself, so the registry starts without the SQL schemes.
import { describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { createJobStoreFromUrl } from '../../../src/stores/registry.js';
import { LAZY_JOB_STORE_SCHEMES, loadJobStoreScheme } from '../../../src/stores/url-loaders.js';

describe('lazy job store schemes', () => {
  // First, while no store module is loaded: the schemes that load on demand are still usable.
  it('names an unknown scheme, listing every scheme a URL can use, and a malformed URL', async () => {
    const error = await createJobStoreFromUrl('mongodb://db/app').then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toBe(
      'Unknown job store URL scheme "mongodb" in "mongodb://db/app"; known schemes are: ' +
        'mariadb, mysql, postgres, postgresql, redis, rediss, sqlite',
    );
    await expect(createJobStoreFromUrl('not a url')).rejects.toBeInstanceOf(JobStoreError);
  });

  it('createJobStoreFromUrl imports the module that registers a scheme on first use', async () => {
    const store = await createJobStoreFromUrl('sqlite::memory:');
    expect(store.persistent).toBe(true);
    expect(store.constructor.name).toBe('SqliteJobStore');
    expect((await createJobStoreFromUrl('postgresql://db/app')).constructor.name).toBe('PostgresJobStore');
    expect((await createJobStoreFromUrl('mariadb://db/app')).constructor.name).toBe('MySqlJobStore');
    expect((await createJobStoreFromUrl('rediss://db:6380/0?prefix=app:')).constructor.name).toBe(
      'RedisJobStore',
    );
    expect(await loadJobStoreScheme('sqlite')).toBe(true);
  });

  it('knows every built-in scheme and nothing else', async () => {
    expect([...LAZY_JOB_STORE_SCHEMES].sort()).toEqual(
      ['mariadb', 'mysql', 'postgres', 'postgresql', 'redis', 'rediss', 'sqlite'].sort(),
    );
    expect(await loadJobStoreScheme('mongodb')).toBe(false);
  });
});
