import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { JobStore } from '../../src/stores/job-store.js';
import { MySqlJobStore } from '../../src/stores/mysql/index.js';
import { PostgresJobStore } from '../../src/stores/postgres/index.js';
import { SqliteJobStore } from '../../src/stores/sqlite/index.js';
import { createTestDatabase, dropTestDatabase } from './mysql.js';
import { serviceUrl } from './services.js';
import { uniquePrefix } from './sql.js';

/**
 * One persistent store backend as the process tests use it: `prepare()` makes a private place
 * (SQLite file, PostgreSQL schema, MySQL database), then each test names its tables by prefix and
 * reaches them by URL (child processes) or by a store object (the test itself).
 */
export interface StoreTarget {
  name: string;
  /** The subpath module that registers the URL scheme (`'sqlite'`, `'postgres'`, `'mysql'`). */
  storeModule: string;
  /** Undefined when the server is not configured (its tests are skipped). */
  available: boolean;
  prepare(): Promise<void>;
  url(tablePrefix: string): string;
  open(tablePrefix: string): JobStore;
  /** Runs SQL directly (`?` placeholders), as another program would; for tests that build tables by hand. */
  raw(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A table name as SQL: quoted, and qualified with the test's schema on PostgreSQL. */
  table(name: string): string;
  dispose(): Promise<void>;
}

export function sqliteTarget(): StoreTarget {
  let dir: string | undefined;
  const file = () => join(dir as string, 'jobs.sqlite');
  return {
    name: 'SQLite',
    storeModule: 'sqlite',
    available: true,
    prepare: async () => {
      dir = mkdtempSync(join(tmpdir(), 'horae-sqlite-process-'));
    },
    url: (tablePrefix) => `sqlite://${file()}?tablePrefix=${tablePrefix}`,
    open: (tablePrefix) => new SqliteJobStore({ path: file(), tablePrefix }),
    raw: async (sql, params = []) => {
      const db = new Database(file());
      try {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      } finally {
        db.close();
      }
    },
    table: (name) => `"${name}"`,
    dispose: async () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function postgresTarget(): StoreTarget {
  const base = serviceUrl('postgres');
  const schema = uniquePrefix('pgp').slice(0, -1);
  return {
    name: 'PostgreSQL',
    storeModule: 'postgres',
    available: base !== undefined,
    prepare: async () => undefined,
    url: (tablePrefix) => {
      const url = new URL(base as string);
      url.searchParams.set('schema', schema);
      url.searchParams.set('tablePrefix', tablePrefix);
      return url.href;
    },
    open: (tablePrefix) => new PostgresJobStore({ url: base, schema, tablePrefix }),
    raw: async (sql, params = []) => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        let index = 0;
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        return (
          await client.query(
            sql.replace(/\?/g, () => `$${++index}`),
            params,
          )
        ).rows;
      } finally {
        await client.end();
      }
    },
    table: (name) => `"${schema}"."${name}"`,
    dispose: async () => {
      if (base === undefined) return;
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

export function mysqlTarget(): StoreTarget {
  const base = serviceUrl('mysql');
  let database: string | undefined;
  return {
    name: 'MySQL/MariaDB',
    storeModule: 'mysql',
    available: base !== undefined,
    prepare: async () => {
      database = await createTestDatabase(base as string);
    },
    url: (tablePrefix) => {
      const url = new URL(database as string);
      url.searchParams.set('tablePrefix', tablePrefix);
      return url.href;
    },
    open: (tablePrefix) => new MySqlJobStore({ url: database, tablePrefix }),
    raw: async (sql, params = []) => {
      const connection = await mysql.createConnection({ uri: database });
      try {
        const [rows] = await connection.query(sql, params);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      } finally {
        await connection.end();
      }
    },
    table: (name) => `\`${name}\``,
    dispose: async () => {
      if (base !== undefined && database !== undefined) await dropTestDatabase(base, database);
    },
  };
}

export function persistentTargets(): StoreTarget[] {
  return [sqliteTarget(), postgresTarget(), mysqlTarget()];
}
