export { ZooKeeperJobStore } from './zookeeper-job-store.js';
export { ZOOKEEPER_SCHEMA_VERSION } from './zookeeper-layout.js';
export type { ZooKeeperJobStoreOptions } from './zookeeper-options.js';
