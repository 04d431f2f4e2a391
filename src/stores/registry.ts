import { JobStoreError } from '../errors.js';
import { LAZY_JOB_STORE_SCHEMES, loadJobStoreScheme } from './url-loaders.js';
import type { JobStore } from './job-store.js';

type StoreFactory = (options: Record<string, unknown>) => JobStore;
type UrlFactory = (url: URL) => Promise<JobStore>;

const types = new Map<string, StoreFactory>();
const schemes = new Map<string, UrlFactory>();

/** Makes `{ type, ...options }` job store configuration work for a type. */
export function registerJobStoreType(type: string, factory: StoreFactory): void {
  types.set(type, factory);
}

/** Makes `jobStores: { default: 'scheme://...' }` work for a URL scheme (without the colon). */
export function registerJobStoreScheme(scheme: string, factory: UrlFactory): void {
  schemes.set(scheme, factory);
}

export function createJobStoreFromConfig(config: { type: string; [option: string]: unknown }): JobStore {
  const factory = types.get(config.type);
  if (factory === undefined) {
    throw new JobStoreError(
      `Unknown job store type ${JSON.stringify(config.type)}; known types are: ${[...types.keys()].join(', ')}`,
    );
  }
  const { type: _type, ...options } = config;
  return factory(options);
}

/** Builds a store from a URL such as `sqlite:///jobs.sqlite`. Throws `JobStoreError` naming a bad or unknown URL. */
export async function createJobStoreFromUrl(url: string): Promise<JobStore> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new JobStoreError(`Malformed job store URL ${JSON.stringify(url)}`, { cause });
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  let factory = schemes.get(scheme);
  // A built-in store registers its scheme when its module loads; load it on first use, so a URL
  // works without importing `horae/stores/<name>` first (its driver stays an optional peer).
  if (factory === undefined && (await loadJobStoreScheme(scheme))) factory = schemes.get(scheme);
  if (factory === undefined) {
    throw new JobStoreError(
      `Unknown job store URL scheme "${scheme}" in ${JSON.stringify(url)}; known schemes are: ${knownSchemes().join(', ')}`,
    );
  }
  return factory(parsed);
}

/** Every scheme a URL may use: the built-in ones, loaded or not, and any registered by hand. */
function knownSchemes(): string[] {
  return [...new Set([...LAZY_JOB_STORE_SCHEMES, ...schemes.keys()])].sort();
}
