// The MySQL / MariaDB job store: persistent, and shared safely by several scheduler processes.
//
// Mirrors tutorial 004's list of job stores (SQLAlchemyJobStore "后端可以是 sqlite、mysql、
// PostgreSQL 等数据库") and tutorial 000's "SQLAlchemy (any RDBMS supported by SQLAlchemy works)".
// Needs the `mysql2` package.
//
// Reads the server's URL from HORAE_MYSQL_URL; without it, prints "skipped: set ..." and exits 0.
// With it, runs a job on two schedulers sharing the store (see shared-store-demo.ts) in tables
// with a prefix of their own, which it drops at the end. Prints "MySQL: every run happened once".
// Run: HORAE_MYSQL_URL=mysql://root@127.0.0.1:3306/test npx tsx examples/store-mysql.ts
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { MySqlJobStore } from 'horae/stores/mysql';
import { demoSharedStore } from './shared-store-demo.js';

const url = process.env.HORAE_MYSQL_URL;
if (url === undefined || url === '') {
  console.log('skipped: set HORAE_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test) to run this example');
  process.exit(0);
}

// Tables of its own (horae_example_1a2b3c4d_jobs, ...), so this example never touches others.
const tablePrefix = `horae_example_${randomBytes(4).toString('hex')}_`;
try {
  // In your application, simply: new MySqlJobStore({ url }), or the URL string itself in jobStores.
  await demoSharedStore('MySQL', () => new MySqlJobStore({ url, tablePrefix }));
} finally {
  const connection = await mysql.createConnection(url);
  for (const table of ['runs', 'jobs', 'schema_version']) {
    await connection.query(`DROP TABLE IF EXISTS \`${tablePrefix}${table}\``);
  }
  await connection.end();
}
