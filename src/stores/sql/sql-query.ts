import { searchWords } from '../job-query.js';
import type { JobStoreQuery } from '../job-store.js';
import { JOB_COLUMNS } from './sql-claim.js';
import type { SqlSession } from './sql-connection.js';
import type { JobRow, SqlDialect } from './sql-dialect.js';
import type { TableNames } from './sql-tables.js';

/**
 * `JobStore.queryJobs` in SQL: a `COUNT` of the matching jobs, scheduled and paused, then the page
 * in up to two `LIMIT`/`OFFSET` queries, scheduled jobs by the `(next_run_time, id)` index and
 * paused ones (`next_run_time IS NULL`) by id. Two queries rather than one `ORDER BY` putting
 * `NULL`s last: that expression would keep the databases from reading the index in order, and MySQL
 * has no `NULLS LAST`. A search compares lowercased words with the lowercased id and name
 * (`SqlDialect.nameContains`), which no index helps: it reads every row, once
 * (`searchInOneScan`), and only the page's documents go back to Horae.
 */
export async function queryJobRows(
  db: SqlSession,
  tables: TableNames,
  dialect: SqlDialect,
  query: JobStoreQuery,
): Promise<{ rows: JobRow[]; total: number }> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const words = searchWords(query.search);
  const { searchHint, nameContains } = dialect;
  // The hints first: the database checks conditions in order (PostgreSQL, by cost: they are cheaper).
  if (searchHint !== undefined) {
    for (const word of words) {
      conditions.push(searchHint.sql);
      params.push(...searchHint.params(word));
    }
  }
  for (const word of words) {
    conditions.push(`(${dialect.contains('LOWER(id)')} OR ${nameContains.sql})`);
    params.push(word, ...nameContains.params(word));
  }
  if (query.paused !== undefined) conditions.push(`next_run_time IS ${query.paused ? '' : 'NOT '}NULL`);
  if (words.length > 0) return searchInOneScan(db, tables, conditions, params, query);
  const where = (...extra: string[]) => {
    const all = [...extra, ...conditions];
    return all.length === 0 ? '' : ` WHERE ${all.join(' AND ')}`;
  };
  const counted = await db.run(
    `SELECT COUNT(*) AS total, COUNT(next_run_time) AS scheduled FROM ${tables.jobs}${where()}`,
    params,
  );
  const matching = Number(counted.rows[0]?.total ?? 0);
  const matchingScheduled = Number(counted.rows[0]?.scheduled ?? 0);
  const scheduled = query.paused === true ? 0 : matchingScheduled;
  const paused = query.paused === false ? 0 : matching - matchingScheduled;

  const rows: JobRow[] = [];
  let offset = query.offset;
  const page = async (count: number, condition: string, order: string) => {
    const room = query.limit - rows.length;
    if (room > 0 && offset < count) {
      const sql = `SELECT ${JOB_COLUMNS} FROM ${tables.jobs}${where(condition)} ORDER BY ${order} LIMIT ? OFFSET ?`;
      const found = await db.run(sql, [...params, room, offset]);
      rows.push(...(found.rows as unknown as JobRow[]));
    }
    offset = Math.max(0, offset - count);
  };
  await page(scheduled, 'next_run_time IS NOT NULL', 'next_run_time, id');
  await page(paused, 'next_run_time IS NULL', 'id');
  return { rows, total: scheduled + paused };
}

/**
 * A search reads every row whatever the plan, so it reads them once: the ids and run times of the
 * matching rows are kept (a CTE used twice), counted, and sorted without their documents; only the
 * page's documents are read back. One row per job of the page, each with the counts, or one row of
 * counts alone (`id` null) when the page is empty.
 */
async function searchInOneScan(
  db: SqlSession,
  tables: TableNames,
  conditions: string[],
  params: unknown[],
  query: JobStoreQuery,
): Promise<{ rows: JobRow[]; total: number }> {
  const order = 'CASE WHEN next_run_time IS NULL THEN 1 ELSE 0 END, next_run_time, id';
  const sql =
    `WITH matching AS (SELECT id, next_run_time FROM ${tables.jobs} WHERE ${conditions.join(' AND ')}), ` +
    `counts AS (SELECT COUNT(*) AS total FROM matching), ` +
    `page AS (SELECT id, next_run_time FROM matching ORDER BY ${order} LIMIT ? OFFSET ?) ` +
    `SELECT counts.total, jobs.id, jobs.job, jobs.next_run_time, jobs.next_fire_time FROM counts ` +
    `LEFT JOIN page ON 1 = 1 LEFT JOIN ${tables.jobs} jobs ON jobs.id = page.id ` +
    `ORDER BY CASE WHEN page.next_run_time IS NULL THEN 1 ELSE 0 END, page.next_run_time, page.id`;
  const { rows } = await db.run(sql, [...params, query.limit, query.offset]);
  const total = Number(rows[0]?.total ?? 0);
  const jobs = rows.filter((row) => row.id !== null && row.id !== undefined) as unknown as JobRow[];
  return { rows: query.limit === 0 ? [] : jobs, total };
}
