import { registerJobStoreScheme } from '../registry.js';
import { MySqlJobStore, mysqlOptionsFromUrl } from './mysql-job-store.js';

for (const scheme of ['mysql', 'mariadb']) {
  registerJobStoreScheme(scheme, async (url) => new MySqlJobStore(mysqlOptionsFromUrl(url)));
}

export { MySqlJobStore, mysqlOptionsFromUrl, type MySqlJobStoreOptions } from './mysql-job-store.js';
export type { MySqlPool, MySqlPoolConnection, MySqlQueryable } from './mysql-connection.js';
