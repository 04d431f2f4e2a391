import type { StoreBackend } from '../store-backend.js';
import { ZooKeeperJobStore } from './zookeeper-job-store.js';

/**
 * `{ type: 'zookeeper', url, ... }` and `zookeeper://host:port[,host:port...]/root/path` URLs; the
 * URL's parameters are read by the store (see `ZooKeeperJobStoreOptions.url`).
 */
export const zookeeperBackend: StoreBackend = {
  create: (options) => new ZooKeeperJobStore(options),
  fromUrl: (url) => new ZooKeeperJobStore({ url: url.href }),
  // Several hosts (`zk1:2181,zk2:2181`) are not a URL to WHATWG's parser; the store reads them itself.
  fromUrlText: (url) => new ZooKeeperJobStore({ url }),
};
