import type { JobStore } from './job-store.js';

/**
 * How a built-in backend's store is made from configuration. Each backend folder exports one from
 * `<name>/<name>-backend.ts`; `built-in-stores.ts` lists them and imports each only when its type
 * or URL scheme is first used, so a backend never imports the registry.
 */
export interface StoreBackend {
  /** The store for `{ type, ...options }` configuration, given the options without `type`. */
  create(options: Record<string, unknown>): JobStore;
  /** The store for a URL of one of the backend's schemes; absent when it has none. */
  fromUrl?(url: URL): JobStore;
  /**
   * The store for a URL of one of the backend's schemes that WHATWG `URL` cannot parse, such as
   * ZooKeeper's list of hosts (`zookeeper://zk1:2181,zk2:2181/horae`); absent when it has none.
   */
  fromUrlText?(url: string): JobStore;
}
