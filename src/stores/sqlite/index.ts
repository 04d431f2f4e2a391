export { SqliteJobStore, sqliteOptionsFromUrl, type SqliteJobStoreOptions } from './sqlite-job-store.js';
export type { SqliteDatabase, SqliteStatement } from './sqlite-connection.js';
