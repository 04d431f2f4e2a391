export { MySqlJobStore, mysqlOptionsFromUrl, type MySqlJobStoreOptions } from './mysql-job-store.js';
export type { MySqlPool, MySqlPoolConnection, MySqlQueryable } from './mysql-connection.js';
