import type { StoreBackend } from '../store-backend.js';
import { PostgresJobStore, postgresOptionsFromUrl } from './postgres-job-store.js';

/** `{ type: 'postgres', url }` and `postgres:` / `postgresql:` URLs. */
export const postgresBackend: StoreBackend = {
  create: (options) => new PostgresJobStore(options),
  fromUrl: (url) => new PostgresJobStore(postgresOptionsFromUrl(url)),
};
