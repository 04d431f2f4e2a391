import { JobStoreError } from '../errors.js';

/**
 * Which subpath module registers each job store URL scheme, so that
 * `new Scheduler({ jobStores: { default: 'postgres://...' } })` works without importing
 * `horae/stores/postgres` first. The imports are lazy: a driver is loaded only when its scheme is
 * used, and stays an optional peer dependency.
 */
const LOADERS: Record<string, { subpath: string; load: () => Promise<unknown> }> = {
  sqlite: { subpath: 'horae/stores/sqlite', load: () => import('./sqlite/index.js') },
  postgres: { subpath: 'horae/stores/postgres', load: () => import('./postgres/index.js') },
  postgresql: { subpath: 'horae/stores/postgres', load: () => import('./postgres/index.js') },
  mysql: { subpath: 'horae/stores/mysql', load: () => import('./mysql/index.js') },
  mariadb: { subpath: 'horae/stores/mysql', load: () => import('./mysql/index.js') },
  redis: { subpath: 'horae/stores/redis', load: () => import('./redis/index.js') },
  rediss: { subpath: 'horae/stores/redis', load: () => import('./redis/index.js') },
};

/** The schemes `loadJobStoreScheme` knows. */
export const LAZY_JOB_STORE_SCHEMES: readonly string[] = Object.keys(LOADERS);

/**
 * Imports the store module that registers `scheme` (without the colon). Resolves `false` when no
 * built-in store has that scheme; throws `JobStoreError` when the module fails to load.
 *
 * Meant for `createJobStoreFromUrl` in `registry.ts`: when the scheme is not registered yet,
 * `await loadJobStoreScheme(scheme)` and look again.
 */
export async function loadJobStoreScheme(scheme: string): Promise<boolean> {
  const loader = LOADERS[scheme];
  if (loader === undefined) return false;
  try {
    await loader.load();
  } catch (cause) {
    throw new JobStoreError(
      `Job store URL scheme "${scheme}" needs ${loader.subpath}, which failed to load: ${(cause as Error).message}`,
      { cause },
    );
  }
  return true;
}
