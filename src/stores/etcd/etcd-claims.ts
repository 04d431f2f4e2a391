import { SerializationError } from '../../errors.js';
import type { JobState } from '../../job-state.js';
import { deserializeJob, type SerializedJob } from '../job-serializer.js';
import type { JobRelease } from '../job-store.js';
import { compareJobs } from '../job-order.js';
import type { EtcdCompare, EtcdKeyValue, EtcdRequestOp, EtcdTxnResponse } from './etcd-connection.js';
import { absent, keyAfter, ops, prefixEnd, stamp, unchanged, type EtcdKeys } from './etcd-keys.js';
import { MAX_TXN_OPS, PAGE, chunks, type EtcdRequests } from './etcd-requests.js';

/** How long an unreadable job is parked before it is tried (and reported) again. */
const UNREADABLE_RETRY_MS = 60_000;
/** Claim passes per `acquire` when other schedulers win some of the candidates. */
const CLAIM_ROUNDS = 3;
/** Claims this store remembers the revisions of (it reads the others back before releasing). */
const HELD_LIMIT = 20_000;
/** How long one etcd lease serves new claims, so a busy scheduler does not grant one per pass. */
const LEASE_SHARE_MS = 1000;

/** A claim this store made: what its release compares, so it needs no read. */
export interface Held {
  doc: string;
  docRevision: string;
  claimRevision: string;
  dueKey: Buffer | null;
}

/** A claim as stored: holder and lease end (scheduler clock), with its key's revision. */
interface Claim {
  by: string;
  until: number;
  revision: string;
}

/**
 * The lease half of the etcd store: finding due jobs through the index, claiming them, and what a
 * release of them writes and compares (`etcd-release.ts` runs the release). A claim is a transaction
 * that succeeds only if neither the job nor its claim key changed since they were read (their mod
 * revisions), and writes the claim key `{ by, until }` under an etcd lease; a release compares the
 * same two revisions, so a release by a scheduler whose claim ended (taken over, or the job changed
 * by the user) changes nothing. The claim key's `until`, on the scheduler's clock, decides whether a
 * claim is live; the etcd lease only removes the keys of a holder that is gone.
 */
export class EtcdClaims {
  private readonly held = new Map<string, Held>();
  /** The etcd lease new claims are attached to, while it is fresh (see `leaseFor`). */
  private lease: { id: string; ttl: number; grantedAt: number } | null = null;

  constructor(
    private readonly keys: EtcdKeys,
    private readonly requests: EtcdRequests,
    /** Reports a job that cannot be read (log and `reportUnreadableJob`). */
    private readonly report: (id: string, error: unknown) => void,
  ) {}

  /** Forgets the claims it made (the store stopped). */
  forget(): void {
    this.held.clear();
    this.lease = null;
  }

  /** See `JobStore.getNextRunTime`. */
  async nextRunTime(): Promise<Date | null> {
    const claims = await this.readClaims();
    let earliest = Infinity;
    let from: Buffer = Buffer.from(this.keys.due);
    const end = prefixEnd(this.keys.due);
    for (;;) {
      const page = await this.requests.range('read next run time', {
        key: from,
        range_end: end,
        keys_only: true,
        limit: PAGE,
      });
      for (const kv of page.kvs) {
        const { id, time } = this.keys.parseDue(kv.key);
        if (time >= earliest) return new Date(earliest);
        // A claimed job is due again, to anyone, when its claim ends.
        const claim = claims.get(id);
        earliest = Math.min(earliest, claim === undefined ? time : Math.max(time, claim.until));
        if (claim === undefined) return new Date(earliest);
      }
      const last = page.kvs.at(-1);
      if (!page.more || last === undefined) break;
      from = keyAfter(last.key);
    }
    return earliest === Infinity ? null : new Date(earliest);
  }

  /** See `JobStore.acquireDueJobs`. */
  async acquire(schedulerId: string, nowMs: number, leaseMs: number, limit: number): Promise<JobState[]> {
    const until = nowMs + leaseMs;
    const claimed: JobState[] = [];
    let lease: string | undefined;
    for (let round = 0; round < CLAIM_ROUNDS && claimed.length < limit; round++) {
      const candidates = await this.dueCandidates(nowMs, limit - claimed.length);
      if (candidates.length === 0) break;
      const claimable: Candidate[] = [];
      // Another round when a candidate was not a claimable job or another scheduler won some.
      let again = false;
      for (const candidate of candidates) {
        const state = this.inspect(candidate);
        if (state === 'claimable') {
          claimable.push(candidate);
          continue;
        }
        again = true;
        if (state === 'stale') await this.dropStaleIndex(candidate);
        else if (await this.park(schedulerId, candidate, nowMs + Math.max(leaseMs, UNREADABLE_RETRY_MS)))
          this.report(candidate.id, state);
      }
      if (claimable.length > 0) {
        lease ??= await this.leaseFor(leaseMs);
        const value = JSON.stringify({ by: schedulerId, until });
        for (const group of chunks(claimable, MAX_TXN_OPS / 2, () => 0)) {
          const response = await this.claimTxn(
            group.flatMap((c) => [
              unchanged(c.jobKey, c.doc?.mod_revision ?? '0'),
              unchanged(c.claimKey, c.claimRevision),
            ]),
            group.map((c) => ops.put(c.claimKey, value, lease)),
          );
          if (!response.succeeded) {
            again = true;
            continue;
          }
          for (const c of group) {
            claimed.push(c.job as JobState);
            this.hold(schedulerId, c.id, {
              doc: c.doc?.value.toString() ?? '',
              docRevision: c.doc?.mod_revision ?? '0',
              claimRevision: response.header.revision,
              dueKey: c.dueKey,
            });
          }
        }
      }
      if (!again) break;
    }
    return claimed.sort(compareJobs);
  }

  /**
   * The claims `schedulerId` holds on `ids`, in order (`undefined` where it holds none), read back
   * for those this store does not remember. Each is forgotten here: its release ends it, or finds it lost.
   */
  async takeHeld(schedulerId: string, ids: string[]): Promise<(Held | undefined)[]> {
    const missing = ids.filter((id) => !this.held.has(heldKey(schedulerId, id)));
    if (missing.length > 0) await this.readHeld(schedulerId, missing);
    return ids.map((id) => {
      const key = heldKey(schedulerId, id);
      const held = this.held.get(key);
      this.held.delete(key);
      return held;
    });
  }

  /** What a release compares: that neither the job nor its claim changed since the claim. */
  releaseGuards(id: string, held: Held): EtcdCompare[] {
    return [
      unchanged(this.keys.job(id), held.docRevision),
      unchanged(this.keys.claim(id), held.claimRevision),
    ];
  }

  /** The reads that tell, after a release failed, whether its claim still stands (`stillHeld`). */
  releaseChecks(id: string): EtcdRequestOp[] {
    return [this.keys.job(id), this.keys.claim(id)].map((key) => ({
      request_range: { key, keys_only: true },
    }));
  }

  /** Whether the job and claim keys as `releaseChecks` read them are those of the claim. */
  stillHeld(held: Held, job: EtcdKeyValue | undefined, claim: EtcdKeyValue | undefined): boolean {
    return job?.mod_revision === held.docRevision && claim?.mod_revision === held.claimRevision;
  }

  /** The due jobs not held by a live claim, earliest first, with their documents and claim revisions. */
  private async dueCandidates(nowMs: number, limit: number): Promise<Candidate[]> {
    const claims = await this.readClaims();
    let live = 0;
    for (const claim of claims.values()) if (claim.until > nowMs) live++;
    const due = await this.requests.range('read due jobs', {
      key: Buffer.from(this.keys.due),
      range_end: this.keys.dueUntil(nowMs),
      keys_only: true,
      limit: limit + live,
    });
    const entries = due.kvs
      .map((kv) => ({ dueKey: kv.key, ...this.keys.parseDue(kv.key) }))
      .filter((entry) => !((claims.get(entry.id)?.until ?? -Infinity) > nowMs))
      .slice(0, limit);
    const docs = await this.requests.readAll(
      'read due jobs',
      entries.map((entry) => ops.get(this.keys.job(entry.id))),
    );
    return entries.map((entry, i) => ({
      ...entry,
      jobKey: this.keys.job(entry.id),
      claimKey: this.keys.claim(entry.id),
      claimRevision: claims.get(entry.id)?.revision ?? '0',
      doc: docs[i]?.kvs[0] ?? null,
      job: null,
    }));
  }

  /**
   * An etcd lease that outlives a claim of `leaseMs` made now: granted with a TTL of the lease in
   * whole seconds plus two, and shared by the claims of the next `LEASE_SHARE_MS` (each of which it
   * still outlives by a second), so a busy scheduler grants one a second, not one per pass.
   */
  private async leaseFor(leaseMs: number): Promise<string> {
    const ttl = Math.ceil(leaseMs / 1000) + 2;
    const current = this.lease;
    if (current !== null && current.ttl === ttl && Date.now() - current.grantedAt < LEASE_SHARE_MS)
      return current.id;
    const grantedAt = Date.now();
    const id = await this.requests.grantLease('acquire due jobs', ttl);
    this.lease = { id, ttl, grantedAt };
    return id;
  }

  /** A claim transaction; a failure (a lease etcd no longer has, say) makes the next claim grant a new lease. */
  private async claimTxn(compare: EtcdCompare[], success: EtcdRequestOp[]): Promise<EtcdTxnResponse> {
    try {
      return await this.requests.txn('acquire due jobs', compare, success);
    } catch (error) {
      this.lease = null;
      throw error;
    }
  }

  /** Decodes a candidate: claimable (its job set), a stale index key, or an unreadable job (the error). */
  private inspect(candidate: Candidate): 'claimable' | 'stale' | SerializationError {
    if (candidate.doc === null) return 'stale';
    let parsed: unknown;
    try {
      parsed = parseDocument(candidate.id, candidate.doc.value.toString());
    } catch (error) {
      return error as SerializationError;
    }
    // An index key left behind (the job was paused or moved since) is dropped; a document without
    // a readable run time is an unreadable job, which deserializeJob reports below.
    const next = (parsed as Partial<SerializedJob> | null)?.nextRunTime;
    if (next === null || (typeof next === 'number' && stamp(next) !== stamp(candidate.time))) return 'stale';
    try {
      candidate.job = deserializeJob(parsed);
      return 'claimable';
    } catch (error) {
      return error as SerializationError;
    }
  }

  /** Deletes an index key whose job is gone or has moved (only while that is still so). */
  private async dropStaleIndex(candidate: Candidate): Promise<void> {
    const guard =
      candidate.doc === null
        ? absent(candidate.jobKey)
        : unchanged(candidate.jobKey, candidate.doc.mod_revision);
    await this.requests.txn('drop a stale index key', [guard], [ops.delete(candidate.dueKey)]);
  }

  /** Claims an unreadable job until `until` (without an etcd lease); false when someone else did. */
  private async park(schedulerId: string, candidate: Candidate, until: number): Promise<boolean> {
    const doc = candidate.doc as EtcdKeyValue;
    const response = await this.requests.txn(
      'park an unreadable job',
      [unchanged(candidate.jobKey, doc.mod_revision), unchanged(candidate.claimKey, candidate.claimRevision)],
      [ops.put(candidate.claimKey, JSON.stringify({ by: schedulerId, until }))],
    );
    return response.succeeded;
  }

  /** The writes that store a release's schedule (or delete the job) and end its claim. */
  releaseOps(release: JobRelease, held: Held): EtcdRequestOp[] {
    const { id } = release;
    const writes = [ops.delete(this.keys.claim(id))];
    if (release.remove) {
      writes.push(ops.delete(this.keys.job(id)));
      if (held.dueKey !== null) writes.push(ops.delete(held.dueKey));
      return writes;
    }
    const document = JSON.parse(held.doc) as SerializedJob;
    document.nextRunTime = release.nextRunTime?.getTime() ?? null;
    document.nextFireTime = release.nextFireTime?.getTime() ?? null;
    writes.push(ops.put(this.keys.job(id), JSON.stringify(document)));
    const due = release.nextRunTime === null ? null : this.keys.dueKey(id, release.nextRunTime.getTime());
    if (held.dueKey !== null && (due === null || !held.dueKey.equals(due)))
      writes.push(ops.delete(held.dueKey));
    if (due !== null) writes.push(ops.put(due, ''));
    return writes;
  }

  /** Reads back the claims `schedulerId` holds on `ids` that this store does not remember. */
  private async readHeld(schedulerId: string, ids: string[]): Promise<void> {
    const reads = ids.flatMap((id) => [ops.get(this.keys.claim(id)), ops.get(this.keys.job(id))]);
    const responses = await this.requests.readAll('release jobs', reads);
    ids.forEach((id, i) => {
      const claimKv = responses[2 * i]?.kvs[0];
      const doc = responses[2 * i + 1]?.kvs[0];
      if (claimKv === undefined || doc === undefined) return;
      if (parseClaim(claimKv).by !== schedulerId) return;
      let next: unknown;
      try {
        next = (JSON.parse(doc.value.toString()) as Partial<SerializedJob>).nextRunTime;
      } catch {
        return;
      }
      this.hold(schedulerId, id, {
        doc: doc.value.toString(),
        docRevision: doc.mod_revision,
        claimRevision: claimKv.mod_revision,
        dueKey: typeof next === 'number' ? this.keys.dueKey(id, next) : null,
      });
    });
  }

  private hold(schedulerId: string, id: string, held: Held): void {
    this.held.set(heldKey(schedulerId, id), held);
    // Claims never released (their holder stopped) are forgotten oldest first; a release reads them back.
    if (this.held.size > HELD_LIMIT) this.held.delete(this.held.keys().next().value as string);
  }

  /** Every live or lapsed claim, by job id. */
  private async readClaims(): Promise<Map<string, Claim>> {
    const claims = new Map<string, Claim>();
    for (const kv of await this.requests.scan('read claims', this.keys.claims))
      claims.set(kv.key.toString().slice(this.keys.claims.length), parseClaim(kv));
    return claims;
  }
}

/** A due index entry being claimed. */
interface Candidate {
  id: string;
  time: number;
  dueKey: Buffer;
  jobKey: Buffer;
  claimKey: Buffer;
  /** The revision of the claim key as read ('0': none). */
  claimRevision: string;
  /** The job's key as read; null when it is gone. */
  doc: EtcdKeyValue | null;
  /** The decoded job, once `inspect` found it claimable. */
  job: JobState | null;
}

function heldKey(schedulerId: string, id: string): string {
  return `${schedulerId}\u0000${id}`;
}

/** A claim key's holder and end; one that cannot be read counts as lapsed, so it can be taken over. */
function parseClaim(kv: EtcdKeyValue): Claim {
  try {
    const { by, until } = JSON.parse(kv.value.toString()) as { by?: unknown; until?: unknown };
    if (typeof by === 'string' && typeof until === 'number') return { by, until, revision: kv.mod_revision };
  } catch {
    // Not JSON: lapsed, as below.
  }
  return { by: '', until: -Infinity, revision: kv.mod_revision };
}

/** A stored job's JSON; `SerializationError` when it is not JSON. */
export function parseDocument(id: string, document: string): unknown {
  try {
    return JSON.parse(document);
  } catch (cause) {
    throw new SerializationError(`Stored job "${id}" is not valid JSON`, { cause });
  }
}
