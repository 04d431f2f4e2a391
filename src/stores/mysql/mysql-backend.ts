import type { StoreBackend } from '../store-backend.js';
import { MySqlJobStore, mysqlOptionsFromUrl } from './mysql-job-store.js';

/** `{ type: 'mysql', url }` and `mysql:` / `mariadb:` URLs. */
export const mysqlBackend: StoreBackend = {
  create: (options) => new MySqlJobStore(options),
  fromUrl: (url) => new MySqlJobStore(mysqlOptionsFromUrl(url)),
};
