import type { StoreBackend } from '../store-backend.js';
import { EtcdJobStore } from './etcd-job-store.js';

/**
 * `{ type: 'etcd', url }` and `etcd:` URLs such as `etcd://10.0.0.1:2379,10.0.0.2:2379/billing`:
 * the members of one cluster, and the key prefix as the path. A URL with several hosts is no WHATWG
 * URL, so it arrives as text.
 */
export const etcdBackend: StoreBackend = {
  create: (options) => new EtcdJobStore(options),
  fromUrl: (url) => new EtcdJobStore({ url: url.href }),
  fromUrlText: (url) => new EtcdJobStore({ url }),
};
