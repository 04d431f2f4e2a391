import { interruptedRecords, serializeActiveRun } from '../active-run.js';
import { compareIds } from '../job-order.js';
import type { ActiveRun, InterruptedRun, RunRecord } from '../job-store.js';
import { IN_LIST_CHUNK, placeholders, type RowClaim } from './sql-claim.js';
import type { SqlConnection, SqlSession } from './sql-connection.js';
import { writeRunRecords } from './sql-records.js';
import { ACTIVE_RUN_COLUMNS, notIn, type SqlParts } from './sql-statements.js';
import type { TableNames } from './sql-tables.js';

/**
 * How the store reads the rows of the `activeRuns` table: `read` returns the run, or `null` for a
 * row it cannot read, which it has reported (`reportUnreadableJob`) and adds to `unreadable`. The
 * calls that take runs pass over those ids, so each is reported once by a process instead of at
 * every poll, and never holds the place of a readable run: it stays stored as it is, for a node
 * that can read it (a newer Horae).
 */
export interface ActiveRunReader {
  read(
    row: Record<string, unknown>,
    holder?: { node: string | null; leaseUntil: Date | null },
  ): ActiveRun | null;
  /** Ids of runs found unreadable, to pass over (a bounded number). */
  unreadable(): string[];
}

/** One call of `acquireRuns`, times in epoch ms. */
export interface RunClaimRequest {
  node: string;
  executors: readonly string[];
  /** `now + leaseMs`. */
  until: number;
  limit: number;
}

/**
 * The waiting runs of these executors, oldest first, by the `(node, created_at, id)` index (but for
 * the `skipped` ids), each taken by `request.node` until `request.until`.
 */
export function waitingRunsClaim(
  tables: TableNames,
  request: RunClaimRequest,
  skipped: readonly string[],
): RowClaim {
  const { node, executors, until, limit } = request;
  return {
    table: tables.activeRuns,
    columns: ACTIVE_RUN_COLUMNS,
    where:
      `WHERE node IS NULL AND executor IN (${placeholders(executors.length)})${notIn(skipped.length)} ` +
      'ORDER BY created_at, id LIMIT ?',
    params: [...executors, ...skipped, limit],
    set: 'node = ?, lease_until = ?',
    setParams: [node, until],
  };
}

/**
 * `JobStore.acquireRuns`: the dialect's claim (`claimRows`) of `waitingRunsClaim`. A run that cannot
 * be read is claimed with the others (the claim cannot tell), then given back in a second statement.
 */
export async function acquireRuns(
  db: SqlConnection,
  { tables, dialect, sql }: SqlParts,
  reader: ActiveRunReader,
  request: RunClaimRequest,
): Promise<ActiveRun[]> {
  const { node, executors, until, limit } = request;
  if (limit <= 0 || executors.length === 0) return [];
  const rows = await dialect.claimRows(db, waitingRunsClaim(tables, request, reader.unreadable()));
  // Rows come back as marked or as they were, depending on the dialect: the holder is known.
  const holder = { node, leaseUntil: new Date(until) };
  const runs: ActiveRun[] = [];
  const unreadable: string[] = [];
  for (const row of rows) {
    const run = reader.read(row, holder);
    if (run === null) unreadable.push(String(row.id));
    else runs.push(run);
  }
  await inChunks(unreadable, (ids) => db.run(sql.unclaimRuns(ids.length), [node, ...ids]));
  return runs.sort(compareRuns);
}

/**
 * `JobStore.finishRuns`: deletes the runs `node` holds and writes the records, in one transaction
 * when there are both.
 */
export async function finishRuns(
  db: SqlConnection,
  { sql }: SqlParts,
  node: string,
  runIds: string[],
  records: RunRecord[],
  retention: number,
): Promise<void> {
  const finish = async (session: SqlSession) => {
    await inChunks(runIds, (ids) => session.run(sql.deleteHeldRuns(ids.length), [node, ...ids]));
    await writeRunRecords(session, sql, records, retention);
  };
  if (runIds.length > 0 && records.length > 0) await db.transaction(finish);
  else await finish(db);
}

/**
 * `JobStore.takeInterruptedRuns`, by the `(lease_until, id)` index. An idle store answers the
 * first, plain SELECT with no row, and that is all. Otherwise one transaction locks the ended runs
 * (`SKIP LOCKED`, so a concurrent taker gets others), deletes them or puts them back to wait,
 * writes their `interrupted` records (`writeRunRecords`, kept to `retention`), and returns them. A
 * run that cannot be read is left as it is.
 */
export async function takeInterruptedRuns(
  db: SqlConnection,
  { dialect, sql }: SqlParts,
  reader: ActiveRunReader,
  now: Date,
  limit: number,
  retention: number,
): Promise<InterruptedRun[]> {
  if (limit <= 0) return [];
  const nowMs = now.getTime();
  const skipped = reader.unreadable();
  const any = await db.run(sql.selectEndedRuns('id', skipped.length), [nowMs, ...skipped, 1]);
  if (any.rows.length === 0) return [];
  return db.transaction(async (session) => {
    const select = sql.selectEndedRuns(ACTIVE_RUN_COLUMNS, skipped.length) + dialect.skipLocked;
    const { rows } = await session.run(select, [nowMs, ...skipped, limit]);
    const taken: InterruptedRun[] = [];
    const deleted: string[] = [];
    for (const row of rows) {
      const run = reader.read(row);
      if (run === null) continue;
      const requeued = run.job.requestsRecovery === true && !run.recovery;
      taken.push({ ...run, requeued });
      if (!requeued) {
        deleted.push(run.id);
        continue;
      }
      // Rare (a job that asked for it), so one statement each: the stored form changes too.
      const back = { ...run, node: null, leaseUntil: null, recovery: true, createdAt: new Date(nowMs) };
      await session.run(sql.requeueRun, [nowMs, serializeActiveRun(back), run.id]);
    }
    await inChunks(deleted, (ids) => session.run(sql.deleteRuns(ids.length), ids));
    if (retention > 0) await writeRunRecords(session, sql, taken.flatMap(interruptedRecords), retention);
    return taken;
  });
}

/** `JobStore.getActiveRuns`: every readable stored run, oldest first. */
export async function getActiveRuns(
  db: SqlConnection,
  { sql }: SqlParts,
  reader: ActiveRunReader,
): Promise<ActiveRun[]> {
  const { rows } = await db.run(sql.selectActiveRuns);
  const runs: ActiveRun[] = [];
  for (const row of rows) {
    const run = reader.read(row);
    if (run !== null) runs.push(run);
  }
  return runs;
}

/** The order waiting runs are handed out in: creation time, then id. */
function compareRuns(a: ActiveRun, b: ActiveRun): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || compareIds(a.id, b.id);
}

/** Calls `work` for each chunk of `ids` that fits an `IN (...)` list, one after the other. */
async function inChunks(ids: string[], work: (chunk: string[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < ids.length; start += IN_LIST_CHUNK) {
    await work(ids.slice(start, start + IN_LIST_CHUNK));
  }
}
