import type { RunRecord } from '../job-store.js';
import { serializeRunRecord, startedMs } from '../run-record.js';
import {
  ZK,
  ZkError,
  ignoreConflict,
  isZk,
  type KnownFolders,
  type ZkOp,
  type ZooKeeperConnection,
} from './zookeeper-connection.js';
import type { Layout } from './zookeeper-layout.js';

/** Run records created per transaction. */
export const RUNS_PER_TRANSACTION = 200;

/**
 * Writes run records, one transaction per job (per 200 records), each as a sequential znode named by
 * its scheduled and start times, then trims each job's history to `retention`, oldest first.
 */
export async function writeRuns(
  zk: ZooKeeperConnection,
  paths: Layout,
  folders: KnownFolders,
  records: RunRecord[],
  retention: number,
): Promise<void> {
  const byJob = new Map<string, RunRecord[]>();
  for (const record of records) {
    const list = byJob.get(record.jobId);
    if (list === undefined) byJob.set(record.jobId, [record]);
    else list.push(record);
  }
  await Promise.all(
    [...byJob].map(([jobId, list]) => writeJobRuns(zk, paths, folders, jobId, list, retention)),
  );
}

async function writeJobRuns(
  zk: ZooKeeperConnection,
  paths: Layout,
  folders: KnownFolders,
  jobId: string,
  records: RunRecord[],
  retention: number,
): Promise<void> {
  const folder = paths.jobRuns(jobId);
  for (let start = 0; start < records.length; start += RUNS_PER_TRANSACTION) {
    await folders.ensure(zk, folder);
    await commitRecords(zk, folders, recordOps(paths, records.slice(start, start + RUNS_PER_TRANSACTION)));
  }
  await trimRuns(zk, paths, jobId, retention);
}

/** Commits record creations, making their folder again, once, if it was removed (by hand) since this store made it. */
export async function commitRecords(
  zk: ZooKeeperConnection,
  folders: KnownFolders,
  ops: ZkOp[],
): Promise<void> {
  await zk.commit(ops).catch(async (error: unknown) => {
    const path = error instanceof ZkError ? ops[error.opIndex]?.path : undefined;
    if (path === undefined || !isZk(error, ZK.NO_NODE)) throw error;
    const folder = path.slice(0, path.lastIndexOf('/'));
    folders.forget(folder);
    await folders.ensure(zk, folder);
    await zk.commit(ops);
  });
}

/** The creation of each record's znode, in its job's folder (which must exist). */
export function recordOps(paths: Layout, records: RunRecord[]): ZkOp[] {
  return records.map((record) => ({
    op: 'create',
    path: paths.runPrefix(record.jobId, record.scheduledRunTime.getTime(), startedMs(record)),
    data: serializeRunRecord(record),
    sequential: true,
  }));
}

/** Removes a job's oldest run records beyond `retention`. */
export async function trimRuns(
  zk: ZooKeeperConnection,
  paths: Layout,
  jobId: string,
  retention: number,
): Promise<void> {
  const folder = paths.jobRuns(jobId);
  const names = (await zk.getChildren(folder)).sort();
  const excess = names.slice(0, Math.max(0, names.length - Math.max(0, retention)));
  // Several schedulers may trim at once: a record already removed is fine.
  await Promise.all(excess.map((name) => zk.remove(`${folder}/${name}`).catch(ignoreConflict)));
}

/** The texts of a job's newest `limit` run records, newest first. */
export async function readRuns(
  zk: ZooKeeperConnection,
  paths: Layout,
  jobId: string,
  limit: number,
): Promise<string[]> {
  const folder = paths.jobRuns(jobId);
  const newest = (await zk.childrenOrNone(folder)).sort().reverse().slice(0, limit);
  const texts = await Promise.all(newest.map(async (name) => (await zk.read(`${folder}/${name}`))?.data));
  return texts.filter((text) => text !== undefined);
}
