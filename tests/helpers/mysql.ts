import mysql from 'mysql2/promise';
import { uniquePrefix } from './sql.js';

/** Creates a database of its own for one test run; returns `url` pointed at it. */
export async function createTestDatabase(url: string): Promise<string> {
  const name = uniquePrefix('my').slice(0, -1);
  const connection = await mysql.createConnection({ uri: url });
  try {
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await connection.end();
  }
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  return databaseUrl.href;
}

/** Drops a database made by `createTestDatabase`. */
export async function dropTestDatabase(url: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const connection = await mysql.createConnection({ uri: url });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
