import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe } from 'vitest';
import type { JobStore } from '../../src/stores/job-store.js';
import { MySqlJobStore } from '../../src/stores/mysql/index.js';
import { createTestDatabase, dropTestDatabase } from '../helpers/mysql.js';
import { serviceUrl } from '../helpers/services.js';
import { uniquePrefix, unreadableDocument } from '../helpers/sql.js';
import { runJobStoreConformance } from './job-store.suite.js';

const url = serviceUrl('mysql');

describe.skipIf(url === undefined)('MySQL/MariaDB', () => {
  // One database for this run, dropped at the end; each test gets its own table prefix in it.
  let databaseUrl: string;
  let admin: mysql.Pool;
  const prefixes = new Map<JobStore, string>();

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(url as string);
    admin = mysql.createPool({ uri: databaseUrl, connectionLimit: 2 });
  });
  afterAll(async () => {
    await admin.end();
  });

  runJobStoreConformance({
    name: 'MySQL/MariaDB',
    makeStore: () => {
      const tablePrefix = uniquePrefix('c');
      const store = new MySqlJobStore({ url: databaseUrl, tablePrefix });
      prefixes.set(store, tablePrefix);
      return store;
    },
    cleanup: async () => {
      await dropTestDatabase(url as string, databaseUrl);
    },
    queryJobs: true,
    unreadableJobs: {
      corruptJob: async (store, id) => {
        const table = `\`${prefixes.get(store)}jobs\``;
        const [rows] = await admin.query(`SELECT job FROM ${table} WHERE id = ?`, [id]);
        const document = (rows as { job: string }[])[0]?.job as string;
        await admin.query(`UPDATE ${table} SET job = ? WHERE id = ?`, [unreadableDocument(document), id]);
      },
    },
  });
});
