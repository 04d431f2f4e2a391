// InnoDB breaks a deadlock by rolling one side back. When that side is a statement the MySQL store
// runs on its own (as it writes and trims run records), the store runs it again instead of failing.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MySqlConnection } from '../../../src/stores/mysql/mysql-connection.js';
import { createTestDatabase, dropTestDatabase } from '../../helpers/mysql.js';
import { serviceUrl } from '../../helpers/services.js';

const base = serviceUrl('mysql');
const ROWS = 200;

describe.skipIf(base === undefined)('MySQL connection and deadlocks', () => {
  let database: string | undefined;
  let pool: mysql.Pool;

  beforeAll(async () => {
    database = await createTestDatabase(base as string);
    pool = mysql.createPool({ uri: database, connectionLimit: 4 });
    await pool.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB');
    const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 0)`).join(', ');
    await pool.query(`INSERT INTO t VALUES ${values}`);
  });

  afterAll(async () => {
    await pool?.end();
    if (database !== undefined) await dropTestDatabase(base as string, database);
  });

  it('runs a statement again when InnoDB rolls it back to break a deadlock', async () => {
    // The other session changes every row but the first, so it is the heavier side of the coming
    // deadlock, and InnoDB rolls back the store's statement rather than it.
    const other = await pool.getConnection();
    await other.query('START TRANSACTION');
    await other.query('UPDATE t SET v = v + 100 WHERE id >= 2');

    // The store's statement locks row 1, then waits for row 2.
    const store = new MySqlConnection(pool, false);
    const statement = store.run('UPDATE t SET v = v + 1 ORDER BY id');
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The other session now wants row 1: each waits for the other.
    await other.query('UPDATE t SET v = v + 100 WHERE id = 1');
    await other.query('COMMIT');
    other.release();

    const result = await statement;
    expect(result.changes).toBe(ROWS);
    const [rows] = await pool.query('SELECT COUNT(*) AS n FROM t WHERE v = 101');
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(ROWS);

    // The deadlock did happen, with the store's statement as its victim.
    const [status] = await pool.query('SHOW ENGINE INNODB STATUS');
    const report = String((status as { Status: string }[])[0]?.Status);
    const deadlock = report.slice(report.indexOf('LATEST DETECTED DEADLOCK'));
    expect(deadlock).toContain('UPDATE t SET v = v + 1 ORDER BY id');
  });

  it('runs a transaction again when InnoDB rolls it back to break a deadlock', async () => {
    await pool.query('UPDATE t SET v = 0');
    const other = await pool.getConnection();
    await other.query('START TRANSACTION');
    await other.query('UPDATE t SET v = v + 100 WHERE id >= 2');

    const store = new MySqlConnection(pool, false);
    let attempts = 0;
    const transaction = store.transaction(async (session) => {
      attempts++;
      await session.run('UPDATE t SET v = v + 1 WHERE id = 1');
      await session.run('UPDATE t SET v = v + 1 WHERE id = 2');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await other.query('UPDATE t SET v = v + 100 WHERE id = 1');
    await other.query('COMMIT');
    other.release();

    await transaction;
    expect(attempts).toBe(2);
    const [rows] = await pool.query('SELECT id, v FROM t WHERE id <= 3 ORDER BY id');
    expect((rows as { id: number; v: number }[]).map((row) => row.v)).toEqual([101, 101, 100]);
  });
});
