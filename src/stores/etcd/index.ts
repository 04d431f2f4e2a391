export { EtcdJobStore, ETCD_SCHEMA_VERSION, type EtcdJobStoreOptions } from './etcd-job-store.js';
export type { EtcdClient } from './etcd-connection.js';
