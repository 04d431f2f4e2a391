import { registerJobStoreScheme } from '../registry.js';
import { PostgresJobStore, postgresOptionsFromUrl } from './postgres-job-store.js';

for (const scheme of ['postgres', 'postgresql']) {
  registerJobStoreScheme(scheme, async (url) => new PostgresJobStore(postgresOptionsFromUrl(url)));
}

export {
  PostgresJobStore,
  postgresOptionsFromUrl,
  type PostgresJobStoreOptions,
} from './postgres-job-store.js';
export type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from './postgres-connection.js';
