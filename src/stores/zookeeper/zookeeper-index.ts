import { compareIds } from '../job-order.js';
import {
  ZK,
  ignoreConflict,
  isZk,
  type KnownFolders,
  type ZkOp,
  type ZooKeeperConnection,
} from './zookeeper-connection.js';
import {
  BUCKET_MS,
  decodeId,
  encodeId,
  parseEntry,
  parseLease,
  type Bucket,
  type Layout,
  type Lease,
} from './zookeeper-layout.js';

/** Adds to `ops` the index entry of job `id` due at `time` (none when paused), making its bucket first. */
export async function fileEntry(
  zk: ZooKeeperConnection,
  paths: Layout,
  folders: KnownFolders,
  ops: ZkOp[],
  id: string,
  time: Date | null,
): Promise<void> {
  if (time === null) return;
  await folders.ensure(zk, paths.bucket(time.getTime()));
  ops.push({ op: 'create', path: paths.entry(id, time.getTime()) });
}

/** A job that may be claimed: an index entry (`entry`), or a lease that ran out (`leaseVersion`). */
export interface Candidate {
  id: string;
  time: number;
  entry?: string;
  leaseVersion?: number;
}

/**
 * When a lease frees its job: at its end while its holder's session lives, at once (its run time)
 * when that session is gone.
 */
export function freeAt(lease: HeldLease): number {
  return lease.sessionLive ? lease.until : lease.time;
}

/** Candidates in the order they are claimed: due time, then id. */
export function byTime(a: Candidate, b: Candidate): number {
  return a.time - b.time || compareIds(a.id, b.id);
}

/** The candidates of one bucket due by `nowMs`; a past bucket found empty is removed. */
export async function dueIn(
  zk: ZooKeeperConnection,
  paths: Layout,
  folders: KnownFolders,
  bucket: Bucket,
  nowMs: number,
): Promise<Candidate[]> {
  const path = `${paths.due}/${bucket.name}`;
  const entries = await zk.childrenOrNone(path);
  if (entries.length === 0 && (bucket.number + 1) * BUCKET_MS <= nowMs) {
    folders.forget(path);
    // Fails harmlessly when a job was just filed in it (NOT_EMPTY), or someone else removed it.
    await zk.remove(path).catch((error: unknown) => {
      if (!isZk(error, ZK.NOT_EMPTY)) ignoreConflict(error);
    });
  }
  const candidates: Candidate[] = [];
  for (const name of entries) {
    const entry = parseEntry(name);
    if (entry !== null && entry.time <= nowMs) candidates.push({ ...entry, entry: `${path}/${name}` });
  }
  return candidates;
}

/** A lease as read: its job's id, its znode version, and whether its holder's session lives. */
export interface HeldLease extends Lease {
  id: string;
  version: number;
  sessionLive: boolean;
}

/** What a lease that cannot be read (a hand edit) counts as: free at once, rather than held forever. */
const UNREADABLE_LEASE = { holder: '', session: '', until: 0, time: 0 };

/**
 * Every lease, with whether its holder's session lives. With `watch`, a session that ends wakes the
 * store (its jobs are free).
 */
export async function readLeases(
  zk: ZooKeeperConnection,
  paths: Layout,
  watch = false,
): Promise<HeldLease[]> {
  const names = await zk.getChildren(paths.leases);
  const read = await Promise.all(
    names.map(async (name) => {
      const stored = await zk.read(`${paths.leases}/${name}`);
      if (stored === null) return null;
      return {
        ...(parseLease(stored.data) ?? UNREADABLE_LEASE),
        id: decodeId(name),
        version: stored.version,
      };
    }),
  );
  // Read after the leases, never before: a claim checks its session's znode, so the session a lease
  // names was live when the lease was written, and one missing from this later list has ended. (Read
  // before, a session started since would look dead, and its fresh lease free.)
  const live = new Set(await zk.getChildren(paths.sessions, watch));
  return read
    .filter((lease) => lease !== null)
    .map((lease) => ({ ...lease, sessionLive: live.has(lease.session) }));
}

/**
 * Every index entry of job `id`, found by reading every bucket: only for a job whose document does
 * not say where its entry is.
 */
export async function findEntries(zk: ZooKeeperConnection, paths: Layout, id: string): Promise<string[]> {
  const suffix = `~${encodeId(id)}`;
  const found: string[] = [];
  for (const bucket of await zk.getChildren(paths.due)) {
    const path = `${paths.due}/${bucket}`;
    for (const name of await zk.childrenOrNone(path))
      if (name.endsWith(suffix)) found.push(`${path}/${name}`);
  }
  return found;
}
