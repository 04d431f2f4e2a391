import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JobStore } from '../../src/stores/job-store.js';
import { SqliteJobStore } from '../../src/stores/sqlite/index.js';
import { uniquePrefix, unreadableDocument } from '../helpers/sql.js';
import { runJobStoreConformance } from './job-store.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'horae-sqlite-conformance-'));
const file = join(dir, 'jobs.sqlite');
const prefixes = new Map<JobStore, string>();

runJobStoreConformance({
  name: 'SQLite',
  makeStore: () => {
    const prefix = uniquePrefix('c');
    const store = new SqliteJobStore({ path: file, tablePrefix: prefix });
    prefixes.set(store, prefix);
    return store;
  },
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  queryJobs: true,
  unreadableJobs: {
    corruptJob: async (store, id) => {
      // A second connection, as another process would have.
      const db = new Database(file);
      const table = `"${prefixes.get(store)}jobs"`;
      const row = db.prepare(`SELECT job FROM ${table} WHERE id = ?`).get(id) as { job: string };
      db.prepare(`UPDATE ${table} SET job = ? WHERE id = ?`).run(unreadableDocument(row.job), id);
      db.close();
    },
  },
});
