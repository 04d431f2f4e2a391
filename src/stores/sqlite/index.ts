import { registerJobStoreScheme } from '../registry.js';
import { SqliteJobStore, sqliteOptionsFromUrl } from './sqlite-job-store.js';

registerJobStoreScheme('sqlite', async (url) => new SqliteJobStore(sqliteOptionsFromUrl(url)));

export { SqliteJobStore, sqliteOptionsFromUrl, type SqliteJobStoreOptions } from './sqlite-job-store.js';
export type { SqliteDatabase, SqliteStatement } from './sqlite-connection.js';
