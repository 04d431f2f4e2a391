import type { JobState } from '../../job-state.js';
import { deserializeJob } from '../job-serializer.js';
import type { JobRelease } from '../job-store.js';
import {
  ZK,
  ZkError,
  ignoreConflict,
  isZk,
  type KnownFolders,
  type TransactionPart,
  type ZkOp,
  type ZooKeeperConnection,
} from './zookeeper-connection.js';
import { fileEntry, type Candidate } from './zookeeper-index.js';
import { parseDocument, parseLease, withTimes, type Layout, type Lease } from './zookeeper-layout.js';

/** How long an unreadable job is parked before it is tried (and reported) again. */
const UNREADABLE_RETRY_MS = 60_000;
/** Claims remembered for their release at most (then the memory starts over; releases read instead). */
const MAX_HELD = 100_000;
/** Attempts of a release whose bucket was removed under it. */
const ATTEMPTS = 5;
/** Attempts of a release whose runs lost a race (each one means another writer's succeeded). */
const PART_ATTEMPTS = 10;

/** A job held under a lease: its holder, its document, and the versions of its znode and of its lease. */
interface Held {
  holder: string;
  document: string;
  jobVersion: number;
  leaseVersion: number;
}

/**
 * Claims and releases of jobs under leases (see `docs/stores.md#zookeeperjobstore`). A claim is one
 * transaction: the job's znode at the version read, this store's session znode, and the index entry
 * exchanged for a lease (or a free lease written at its version). What a claim wrote is remembered
 * until its release, which then needs no read: any write by someone else in between changed a
 * version, and the release fails, as a release by a scheduler that no longer holds the job must.
 */
export class Claims {
  /** The jobs claimed here and not released yet, as the claim wrote them. */
  private readonly held = new Map<string, Held>();
  /** The session whose ephemeral znode this store has made (claims are made under it). */
  private announced: string | null = null;

  constructor(
    private readonly paths: Layout,
    private readonly folders: KnownFolders,
  ) {}

  /** Forgets the session (the store shut down; its next connection is a new session). */
  forgetSession(): void {
    this.announced = null;
  }

  /**
   * The id of the live session, with its ephemeral znode made first: other schedulers read a lease
   * as free once that znode is gone, so a store that dies frees its claims with its session.
   */
  async announce(zk: ZooKeeperConnection): Promise<string> {
    const session = await zk.sessionId();
    if (this.announced !== session) {
      await zk.createEphemeral(this.paths.session(session)).catch((error: unknown) => {
        if (!isZk(error, ZK.NODE_EXISTS)) throw error;
      });
      this.announced = session;
    }
    return session;
  }

  /**
   * Claims one candidate for a scheduler, under its session: the job, or its id and error when it
   * cannot be read (it is parked), or `null` when another scheduler or a user got there first.
   */
  async claim(
    zk: ZooKeeperConnection,
    candidate: Candidate,
    claimant: { schedulerId: string; session: string; nowMs: number; leaseMs: number },
  ): Promise<{ job: JobState } | { id: string; unreadable: unknown } | null> {
    const { schedulerId: holder, session, nowMs, leaseMs } = claimant;
    const { id } = candidate;
    const stored = await zk.read(this.paths.job(id));
    if (stored === null) {
      // An entry or a lease without its job (left by hand): drop it so it is not read on every pass.
      const left = candidate.entry ?? this.paths.lease(id);
      await zk.remove(left, candidate.leaseVersion).catch(ignoreConflict);
      return null;
    }
    let job: JobState | null = null;
    let unreadable: unknown;
    try {
      job = deserializeJob(parseDocument(id, stored.data));
    } catch (error) {
      unreadable = error;
    }
    // An unreadable job stays leased for a while, so a short lease cannot make it a busy loop.
    const until = nowMs + (job === null ? Math.max(leaseMs, UNREADABLE_RETRY_MS) : leaseMs);
    const lease: Lease = { holder, session, until, time: candidate.time };
    // The session's znode is checked too: a claim made under a session that just ended would be free at once.
    const ops: ZkOp[] = [
      { op: 'check', path: this.paths.job(id), version: stored.version },
      { op: 'check', path: this.paths.session(session), version: -1 },
    ];
    if (candidate.entry !== undefined) {
      ops.push(
        { op: 'remove', path: candidate.entry },
        { op: 'create', path: this.paths.lease(id), data: JSON.stringify(lease) },
      );
    } else {
      ops.push({
        op: 'set',
        path: this.paths.lease(id),
        data: JSON.stringify(lease),
        version: candidate.leaseVersion as number,
      });
    }
    try {
      await zk.commit(ops);
    } catch (error) {
      // Our session's znode is gone (removed by hand): make it again before the next claim.
      if (isZk(error, ZK.NO_NODE, 1)) this.announced = null;
      ignoreConflict(error);
      return null;
    }
    if (job === null) return { id, unreadable };
    if (this.held.size >= MAX_HELD) this.held.clear();
    const leaseVersion = candidate.entry !== undefined ? 0 : (candidate.leaseVersion as number) + 1;
    this.held.set(id, { holder, document: stored.data, jobVersion: stored.version, leaseVersion });
    return { job };
  }

  /**
   * Ends `holder`'s lease on a job, storing its new schedule, and commits `part` (the runs the
   * release hands on) in the same transaction. Resolves false, with nothing written, when another
   * holds the job now or a user changed it (the release is lost).
   */
  async release(
    zk: ZooKeeperConnection,
    holder: string,
    release: JobRelease,
    part?: TransactionPart,
  ): Promise<boolean> {
    const { id } = release;
    // Several schedulers may share this store object: only the holder's own claim is its to use.
    // What this store wrote when it claimed the job saves reading it back: a write by anyone else
    // since then changed a version, and the transaction fails as it should.
    let held: Held | null | undefined = this.held.get(id);
    if (held?.holder === holder) this.held.delete(id);
    else held = undefined;
    for (let attempt = 1; ; attempt++) {
      held ??= await this.readHeld(zk, id, holder);
      if (held === null) return false;
      const ops: ZkOp[] = [{ op: 'remove', path: this.paths.lease(id), version: held.leaseVersion }];
      if (release.remove) ops.push({ op: 'remove', path: this.paths.job(id), version: held.jobVersion });
      else {
        const document = withTimes(held.document, release.nextRunTime, release.nextFireTime);
        // A document without its time fields stays leased, to be reported when next claimed.
        if (document === null) return false;
        ops.push({ op: 'set', path: this.paths.job(id), data: document, version: held.jobVersion });
        await fileEntry(zk, this.paths, this.folders, ops, id, release.nextRunTime);
      }
      const own = ops.length;
      if (part !== undefined) ops.push(...(await part.build(zk)));
      try {
        await zk.commit(ops);
        part?.done();
        return true;
      } catch (error) {
        if (part !== undefined && error instanceof ZkError && error.opIndex >= own) {
          // The release itself stood; the runs lost a race (a count, a folder): again, same release.
          if (attempt < PART_ATTEMPTS && part.retry(error, error.opIndex - own)) continue;
          throw error;
        }
        // A new lease holder or a user's change won: the release is ignored. A bucket removed
        // between our creating it and the commit is made again.
        if (isZk(error, ZK.NO_NODE, own - 1) && attempt < ATTEMPTS) {
          this.folders.clear();
          held = undefined;
          continue;
        }
        ignoreConflict(error);
        return false;
      }
    }
  }

  /** A job `holder` holds, as stored now; `null` when it is gone or another holds it. */
  private async readHeld(zk: ZooKeeperConnection, id: string, holder: string): Promise<Held | null> {
    const [stored, lease] = await Promise.all([zk.read(this.paths.job(id)), zk.read(this.paths.lease(id))]);
    if (stored === null || lease === null || parseLease(lease.data)?.holder !== holder) return null;
    return { holder, document: stored.data, jobVersion: stored.version, leaseVersion: lease.version };
  }
}
