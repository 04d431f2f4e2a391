import { serializeActiveRun } from '../active-run.js';
import { compareIds } from '../job-order.js';
import type { ActiveRun, JobRelease, ReleaseResult } from '../job-store.js';
import { IN_LIST_CHUNK } from './sql-claim.js';
import type { SqlConnection, SqlSession } from './sql-connection.js';
import type { SqlParts, Statements } from './sql-statements.js';

/** Runs per INSERT statement (seven parameters each). */
const ACTIVE_RUN_INSERT_CHUNK = 500;

/**
 * `JobStore.releaseJobs` in SQL. Without runs, where the database has `RETURNING` (SQLite,
 * PostgreSQL), each statement reports the jobs it released, so a release costs what it did before
 * runs were stored: one DELETE of the finished jobs and one UPDATE of the others, each in one
 * statement, and the jobs not returned are `lost`. Otherwise it is one transaction:
 *
 * 1. the jobs released and the jobs of the runs are locked by id, in id order (`SELECT ... FOR
 *    UPDATE`; SQLite's transaction holds the database's write lock instead), which says which of
 *    them the caller holds, and makes every other process storing runs of one of these jobs wait
 *    for the commit, so that two processes never count a job's runs at the same time;
 * 2. the releases of the held jobs are applied;
 * 3. the stored runs of the runs' jobs are counted (by the `job_id` index; a statement of its own,
 *    after the locks, so it sees the runs of the transactions it waited for) and the runs that fit
 *    in `maxInstances` are inserted.
 *
 * A run of a job that is not in the jobs table (a one-shot job its release deleted) has no row to
 * lock: the runs of such a job are counted all the same, but two processes storing one at the same
 * time are not kept apart. No process makes new runs of a job that is gone, but for a `runJob` that
 * read the job just before its release deleted it.
 */
export async function releaseJobs(
  db: SqlConnection,
  parts: SqlParts,
  schedulerId: string,
  releases: JobRelease[],
  runs: ActiveRun[],
): Promise<ReleaseResult> {
  if (releases.length === 0 && runs.length === 0) return { lost: [], refused: [] };
  const { sql, dialect } = parts;
  if (runs.length === 0 && dialect.returning) {
    const released = await applyReleases(db, sql, schedulerId, releases);
    return {
      lost: releases.filter((release) => !released.has(release.id)).map((release) => release.id),
      refused: [],
    };
  }
  // Serialized before the transaction, so a run that cannot be stored fails the call before any lock.
  const stored = runs.map((run) => ({ run, row: activeRunRow(run) }));
  return db.transaction(async (session) => {
    const holders = await lockJobs(session, sql, [
      ...releases.map((release) => release.id),
      ...runs.map((run) => run.job.id),
    ]);
    const held = releases.filter((release) => holders.get(release.id) === schedulerId);
    const lost = releases
      .filter((release) => holders.get(release.id) !== schedulerId)
      .map((release) => release.id);
    await applyReleases(session, sql, schedulerId, held);
    const skip = new Set(lost);
    const refused = await storeRuns(
      session,
      sql,
      stored.filter(({ run }) => !skip.has(run.job.id)),
    );
    return { lost, refused };
  });
}

/**
 * Deletes the finished jobs and stores the next run times of the others, where `schedulerId`
 * still holds them; returns the ids the statements reported (none without `RETURNING`).
 */
async function applyReleases(
  db: SqlSession,
  sql: Statements,
  schedulerId: string,
  releases: JobRelease[],
): Promise<Set<string>> {
  const released = new Set<string>();
  const note = (rows: Record<string, unknown>[]) => {
    for (const row of rows) released.add(String(row.id));
  };
  const removed = releases.filter((release) => release.remove).map((release) => release.id);
  for (let start = 0; start < removed.length; start += IN_LIST_CHUNK) {
    const ids = removed.slice(start, start + IN_LIST_CHUNK);
    note((await db.run(sql.deleteLeased(ids.length), [schedulerId, ...ids])).rows);
  }
  const kept = releases.filter((release) => !release.remove);
  for (let start = 0; start < kept.length; start += IN_LIST_CHUNK) {
    const chunk = kept.slice(start, start + IN_LIST_CHUNK);
    const params: unknown[] = [];
    for (const release of chunk) params.push(release.id, ms(release.nextRunTime));
    for (const release of chunk) params.push(release.id, ms(release.nextFireTime));
    params.push(schedulerId, ...chunk.map((release) => release.id));
    note((await db.run(sql.release(chunk.length), params)).rows);
  }
  return released;
}

/**
 * Locks the rows of these jobs until the transaction ends, in id order (one order for every
 * process, so two of them never wait for each other), and returns each one's lease holder.
 */
async function lockJobs(db: SqlSession, sql: Statements, jobIds: string[]): Promise<Map<string, unknown>> {
  const ids = [...new Set(jobIds)].sort(compareIds);
  const holders = new Map<string, unknown>();
  for (let start = 0; start < ids.length; start += IN_LIST_CHUNK) {
    const chunk = ids.slice(start, start + IN_LIST_CHUNK);
    const { rows } = await db.run(sql.lockJobs(chunk.length), chunk);
    for (const row of rows) holders.set(String(row.id), row.acquired_by);
  }
  return holders;
}

/**
 * Inserts the runs that fit in their job's `maxInstances`, counting the stored ones and those
 * before them in `runs`; returns the ids of the others. The caller holds the jobs' locks.
 */
async function storeRuns(
  db: SqlSession,
  sql: Statements,
  runs: { run: ActiveRun; row: unknown[] }[],
): Promise<string[]> {
  if (runs.length === 0) return [];
  const jobIds = [...new Set(runs.map(({ run }) => run.job.id))];
  const instances = new Map<string, number>();
  for (let start = 0; start < jobIds.length; start += IN_LIST_CHUNK) {
    const chunk = jobIds.slice(start, start + IN_LIST_CHUNK);
    const { rows } = await db.run(sql.countInstances(chunk.length), chunk);
    for (const row of rows) instances.set(String(row.job_id), Number(row.instances));
  }
  const refused: string[] = [];
  const accepted: unknown[][] = [];
  for (const { run, row } of runs) {
    const count = instances.get(run.job.id) ?? 0;
    if (count >= run.job.maxInstances) {
      refused.push(run.id);
      continue;
    }
    instances.set(run.job.id, count + 1);
    accepted.push(row);
  }
  for (let start = 0; start < accepted.length; start += ACTIVE_RUN_INSERT_CHUNK) {
    const chunk = accepted.slice(start, start + ACTIVE_RUN_INSERT_CHUNK);
    await db.run(sql.insertActiveRuns(chunk.length), chunk.flat());
  }
  return refused;
}

/** A run as the `insertActiveRuns` statement takes it: its queried columns, then its stored form. */
function activeRunRow(run: ActiveRun): unknown[] {
  return [
    run.id,
    run.job.id,
    run.job.executor,
    run.node,
    run.leaseUntil?.getTime() ?? null,
    run.createdAt.getTime(),
    serializeActiveRun(run),
  ];
}

function ms(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}
