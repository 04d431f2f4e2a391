export {
  PostgresJobStore,
  postgresOptionsFromUrl,
  type PostgresJobStoreOptions,
} from './postgres-job-store.js';
export type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from './postgres-connection.js';
