import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { JobStore } from '../../src/stores/job-store.js';
import { PostgresJobStore } from '../../src/stores/postgres/index.js';
import { serviceUrl } from '../helpers/services.js';
import { uniquePrefix, unreadableDocument } from '../helpers/sql.js';
import { runJobStoreConformance } from './job-store.suite.js';

const url = serviceUrl('postgres');

describe.skipIf(url === undefined)('PostgreSQL', () => {
  // One schema for this run, dropped at the end; each test gets its own table prefix in it.
  const schema = uniquePrefix('pg').slice(0, -1);
  const prefixes = new Map<JobStore, string>();
  let admin: pg.Pool;

  beforeAll(() => {
    admin = new pg.Pool({ connectionString: url, max: 2 });
  });
  afterAll(async () => {
    await admin.end();
  });

  runJobStoreConformance({
    name: 'PostgreSQL',
    makeStore: () => {
      const tablePrefix = uniquePrefix('c');
      const store = new PostgresJobStore({ url: url, schema, tablePrefix });
      prefixes.set(store, tablePrefix);
      return store;
    },
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
    queryJobs: true,
    unreadableJobs: {
      corruptJob: async (store, id) => {
        const table = `"${schema}"."${prefixes.get(store)}jobs"`;
        const { rows } = await admin.query(`SELECT job FROM ${table} WHERE id = $1`, [id]);
        await admin.query(`UPDATE ${table} SET job = $1 WHERE id = $2`, [
          unreadableDocument(rows[0].job),
          id,
        ]);
      },
    },
  });
});
