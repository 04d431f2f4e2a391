// The PostgreSQL job store: persistent, and shared safely by several scheduler processes.
//
// Mirrors tutorial 003 §2.1 ("作者推荐使用SQLAlchemyJobStore并搭配PostgreSQL作为后台数据库": the
// author recommends SQLAlchemyJobStore on PostgreSQL) and tutorial 004's list of job stores
// (SQLAlchemyJobStore "后端可以是 sqlite、mysql、PostgreSQL"). Needs the `pg` package.
//
// Reads the server's URL from HORAE_POSTGRES_URL; without it, prints "skipped: set ..." and exits 0.
// With it, runs a job on two schedulers sharing the store (see shared-store-demo.ts) in a schema
// of its own, which it drops at the end. Prints "PostgreSQL: every run happened once".
// Run: HORAE_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test npx tsx examples/store-postgres.ts
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresJobStore } from 'horae/stores/postgres';
import { demoSharedStore } from './shared-store-demo.js';

const url = process.env.HORAE_POSTGRES_URL;
if (url === undefined || url === '') {
  console.log(
    'skipped: set HORAE_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run this example',
  );
  process.exit(0);
}

// A schema of its own, so this example never touches other tables; the store creates it.
const schema = `horae_example_${randomBytes(4).toString('hex')}`;
try {
  // In your application, simply: new PostgresJobStore({ url }), or the URL string itself in jobStores.
  await demoSharedStore('PostgreSQL', () => new PostgresJobStore({ url, schema }));
} finally {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
