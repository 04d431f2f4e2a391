import { JobStoreError } from '../errors.js';
import {
  BUILT_IN_SCHEMES,
  BUILT_IN_STORE_TYPES,
  loadBuiltInScheme,
  loadBuiltInType,
} from './built-in-stores.js';
import type { JobStore } from './job-store.js';

type StoreFactory = (options: Record<string, unknown>) => JobStore;
type UrlFactory = (url: URL) => JobStore | Promise<JobStore>;

/** Types and schemes registered by users for their own stores; the built-in ones are in `built-in-stores.ts`. */
const types = new Map<string, StoreFactory>();
const schemes = new Map<string, UrlFactory>();

/**
 * Makes `{ type, ...options }` job store configuration work for a store of your own. Declare its
 * options in `JobStoreTypes` (see there) so that the configuration is typed. A registered type
 * takes precedence over a built-in one of the same name.
 */
export function registerJobStoreType(type: string, factory: StoreFactory): void {
  types.set(type, factory);
}

/**
 * Makes `jobStores: { default: 'scheme://...' }` work for a URL scheme (without the colon). A
 * registered scheme takes precedence over a built-in one of the same name.
 */
export function registerJobStoreScheme(scheme: string, factory: UrlFactory): void {
  schemes.set(scheme, factory);
}

/**
 * Builds a store from `{ type, ...options }`, loading a built-in backend on first use. Rejects with
 * `JobStoreError` naming an unknown type, and with the store's own error for bad options.
 */
export async function createJobStoreFromConfig(config: {
  type: string;
  [option: string]: unknown;
}): Promise<JobStore> {
  const { type, ...options } = config;
  const factory = types.get(type) ?? (await loadBuiltInType(type))?.create;
  if (factory === undefined) {
    const known = [...new Set([...BUILT_IN_STORE_TYPES, ...types.keys()])].sort();
    throw new JobStoreError(
      `Unknown job store type ${JSON.stringify(type)}; known types are: ${known.join(', ')}`,
    );
  }
  return factory(options);
}

/** Builds a store from a URL such as `sqlite:///jobs.sqlite`. Rejects with `JobStoreError` naming a bad or unknown URL. */
export async function createJobStoreFromUrl(url: string): Promise<JobStore> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    const backend = scheme === undefined || schemes.has(scheme) ? undefined : await loadBuiltInScheme(scheme);
    if (backend?.fromUrlText !== undefined) return backend.fromUrlText(url);
    throw new JobStoreError(`Malformed job store URL ${JSON.stringify(url)}`, { cause });
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const factory = schemes.get(scheme) ?? (await loadBuiltInScheme(scheme))?.fromUrl;
  if (factory === undefined) {
    const known = [...new Set([...BUILT_IN_SCHEMES, ...schemes.keys()])].sort();
    throw new JobStoreError(
      `Unknown job store URL scheme "${scheme}" in ${JSON.stringify(url)}; known schemes are: ${known.join(', ')}`,
    );
  }
  return factory(parsed);
}
