import type { StoreBackend } from '../store-backend.js';
import { SqliteJobStore, sqliteOptionsFromUrl } from './sqlite-job-store.js';

/** `{ type: 'sqlite', path }` and `sqlite:` URLs. */
export const sqliteBackend: StoreBackend = {
  create: (options) => new SqliteJobStore(options),
  fromUrl: (url) => new SqliteJobStore(sqliteOptionsFromUrl(url)),
};
