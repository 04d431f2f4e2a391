import { ConflictingIdError, JobLookupError, JobStoreError, SerializationError } from '../../errors.js';
import type { JobState } from '../../job-state.js';
import { defaultLogger, type Logger } from '../../logger.js';
import { findUnknownOption, unknownOptionMessage } from '../../unknown-option.js';
import { deserializeJob, serializeJob, type SerializedJob } from '../job-serializer.js';
import type { JobRelease, JobStore, JobStoreContext, RunRecord } from '../job-store.js';
import { compareJobs } from '../job-order.js';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  checkTimeout,
  connectEtcd,
  parseEtcdUrl,
  type EtcdClient,
  type EtcdKeyValue,
  type EtcdRequestOp,
  type OwnedEtcdClient,
} from './etcd-connection.js';
import { EtcdKeys, absent, keyAfter, ops, prefixEnd, stamp, unchanged } from './etcd-keys.js';
import { MAX_TXN_OPS, EtcdRequests, chunks, opBytes } from './etcd-requests.js';
import { EtcdRuns } from './etcd-runs.js';
import { EtcdWatch } from './etcd-watch.js';

/** The layout of the keys this version reads and writes (see `etcd-keys.ts`); kept in `<prefix>version`. */
export const ETCD_SCHEMA_VERSION = 1;

/** How long an unreadable job is parked before it is tried (and reported) again. */
const UNREADABLE_RETRY_MS = 60_000;
/** Claim passes per `acquireDueJobs` when other schedulers win some of the candidates. */
const CLAIM_ROUNDS = 3;
/** Keys per page of a long range read. */
const PAGE = 500;
/** Attempts of a read-then-write (`updateJob`, `removeJob`) that others keep changing under it. */
const WRITE_ATTEMPTS = 10;
/** Claims this store remembers the revisions of (it reads the others back before releasing). */
const HELD_LIMIT = 20_000;

export interface EtcdJobStoreOptions {
  /**
   * `etcd://[user:password@]host:port[,host:port...]/prefix`: the members of one etcd cluster and the
   * key prefix (the path). Default `etcd://127.0.0.1:2379/horae`.
   */
  url?: string;
  /**
   * An `etcd3` client you opened (TLS, your own auth or fault handling). The store uses it as it is
   * and never closes it; give it call deadlines of your own. Takes precedence over `url`.
   */
  client?: EtcdClient;
  /** Put before every key; a `/` is added when missing. Default: the URL's path, else `'horae/'`. */
  prefix?: string;
  /** How long `start()` waits for etcd before failing with `JobStoreError`, in ms. Default 5000. */
  connectTimeout?: number;
  /** Milliseconds to wait for the reply to one request before failing it. Default 10000. */
  commandTimeout?: number;
}

/** A claim this store made: what its release compares, so it needs no read. */
interface Held {
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
 * A job store in etcd, shared safely by several scheduler processes. Jobs are JSON under a key
 * prefix; an index key per scheduled job, named by its zero-padded next run time, lets a claim read
 * only the due jobs. A claim is a transaction that checks the revisions of the job and of its claim
 * key and writes the claim under an etcd lease, so two schedulers never get the same job and a dead
 * holder's claims vanish by themselves. Watches on the prefix wake the scheduler when another
 * process adds, moves or frees a job. Needs the `etcd3` package unless you pass your own `client`.
 *
 * A stored job this version cannot read is reported (logger and `EVENT_JOB_UNREADABLE`) and kept:
 * listing passes over it, `lookupJob` throws its `SerializationError`, and when due it is parked
 * for a minute at a time. `updateJob` and `removeJob` still work on it.
 *
 * @example
 * const scheduler = new Scheduler({
 *   jobStores: { default: new EtcdJobStore({ url: 'etcd://10.0.0.1:2379,10.0.0.2:2379/billing' }) },
 * });
 */
export class EtcdJobStore implements JobStore {
  readonly persistent = true;
  /** The key prefix, ending in `/`. */
  readonly prefix: string;
  private readonly keys: EtcdKeys;
  private readonly options: EtcdJobStoreOptions;
  private readonly hosts: string[];
  private readonly commandTimeout: number;
  private readonly connectTimeout: number;
  private readonly requests: EtcdRequests;
  private readonly runs: EtcdRuns;
  private readonly held = new Map<string, Held>();
  private owned: OwnedEtcdClient | null = null;
  private watch: EtcdWatch | null = null;
  private alias = 'default';
  private logger: Logger = defaultLogger;
  private reportUnreadable: JobStoreContext['reportUnreadableJob'];

  /** Throws `JobStoreError` naming a bad option or URL. */
  constructor(options: EtcdJobStoreOptions = {}) {
    checkOptions(options);
    this.options = { ...options };
    const address = parseEtcdUrl(options.url ?? 'etcd://127.0.0.1:2379/horae');
    this.hosts = address.hosts;
    const prefix = options.prefix ?? address.prefix ?? 'horae/';
    if (typeof prefix !== 'string' || prefix === '') {
      throw new JobStoreError(
        `EtcdJobStore prefix must be a non-empty string, not ${JSON.stringify(prefix)}`,
      );
    }
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.keys = new EtcdKeys(this.prefix);
    this.commandTimeout = checkTimeout(options.commandTimeout, 'commandTimeout', DEFAULT_COMMAND_TIMEOUT_MS);
    this.connectTimeout = checkTimeout(options.connectTimeout, 'connectTimeout', 5000);
    this.requests = new EtcdRequests(() => this.describe());
    this.runs = new EtcdRuns(this.keys, this.requests);
  }

  async start(context: JobStoreContext): Promise<void> {
    this.alias = context.alias;
    this.logger = context.logger;
    this.reportUnreadable = context.reportUnreadableJob;
    if (this.requests.client !== null) return;
    let client = this.options.client;
    if (client === undefined) {
      const address = parseEtcdUrl(this.options.url ?? 'etcd://127.0.0.1:2379/horae');
      this.owned = await connectEtcd(address, this.commandTimeout);
      client = this.owned;
    }
    this.requests.client = client;
    try {
      await this.checkSchema(client);
      const wakeup = context.wakeup?.bind(context);
      if (wakeup !== undefined) {
        this.watch = new EtcdWatch(client, this.keys, this.requests, wakeup, this.logger, this.describe());
        await this.watch.start(this.connectTimeout);
      }
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    const { owned, watch } = this;
    this.requests.client = null;
    this.owned = null;
    this.watch = null;
    this.held.clear();
    this.requests.forget();
    await watch?.stop();
    owned?.close();
  }

  async addJob(job: JobState): Promise<void> {
    const doc = JSON.stringify(serializeJob(job));
    const key = this.keys.job(job.id);
    const writes = [ops.put(key, doc), ops.delete(this.keys.claim(job.id))];
    if (job.nextRunTime !== null)
      writes.push(ops.put(this.keys.dueKey(job.id, job.nextRunTime.getTime()), ''));
    const response = await this.requests.txn('add job', [absent(key)], writes);
    if (!response.succeeded) throw new ConflictingIdError(job.id);
  }

  async updateJob(job: JobState): Promise<void> {
    const doc = JSON.stringify(serializeJob(job));
    const due = job.nextRunTime === null ? null : this.keys.dueKey(job.id, job.nextRunTime.getTime());
    const written = await this.rewrite('update job', job.id, (oldDue) => {
      const writes = [ops.put(this.keys.job(job.id), doc), ops.delete(this.keys.claim(job.id))];
      if (oldDue !== null && (due === null || !oldDue.equals(due))) writes.push(ops.delete(oldDue));
      if (due !== null) writes.push(ops.put(due, ''));
      return writes;
    });
    if (!written) throw new JobLookupError(job.id, this.alias);
  }

  async removeJob(id: string): Promise<void> {
    const removed = await this.rewrite('remove job', id, (oldDue) => [
      ops.delete(this.keys.job(id)),
      ops.delete(this.keys.claim(id)),
      ...(oldDue === null ? [] : [ops.delete(oldDue)]),
    ]);
    if (!removed) throw new JobLookupError(id, this.alias);
  }

  async removeAllJobs(): Promise<void> {
    await this.requests.txn(
      'remove all jobs',
      [],
      [ops.deletePrefix(this.keys.jobs), ops.deletePrefix(this.keys.due), ops.deletePrefix(this.keys.claims)],
    );
  }

  async lookupJob(id: string): Promise<JobState | null> {
    const { kvs } = await this.requests.range('look up job', { key: this.keys.job(id) });
    const kv = kvs[0];
    if (kv === undefined) return null;
    // Asked for by id, an unreadable job is an error to show the caller, not a job to pass over.
    return deserializeJob(parseDocument(id, kv.value.toString()));
  }

  async getAllJobs(): Promise<JobState[]> {
    const jobs: JobState[] = [];
    for (const kv of await this.scan('list jobs', this.keys.jobs)) {
      const id = kv.key.toString().slice(this.keys.jobs.length);
      const job = this.decode(id, kv.value.toString());
      if (job !== null) jobs.push(job);
    }
    return jobs.sort(compareJobs);
  }

  async getNextRunTime(): Promise<Date | null> {
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

  async acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]> {
    const nowMs = now.getTime();
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
          this.reportUnreadableJob(candidate.id, state);
      }
      if (claimable.length > 0) {
        // etcd's TTL is whole seconds; one more keeps the claim key alive past `until`.
        lease ??= await this.requests.grantLease('acquire due jobs', Math.ceil(leaseMs / 1000) + 1);
        const value = JSON.stringify({ by: schedulerId, until });
        for (const group of chunks(claimable, MAX_TXN_OPS / 2, () => 0)) {
          const response = await this.requests.txn(
            'acquire due jobs',
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

  async releaseJobs(schedulerId: string, releases: JobRelease[]): Promise<void> {
    if (releases.length === 0) return;
    const missing = releases.filter((release) => !this.held.has(heldKey(schedulerId, release.id)));
    if (missing.length > 0)
      await this.readHeld(
        schedulerId,
        missing.map((release) => release.id),
      );
    const writes: { release: JobRelease; held: Held; ops: EtcdRequestOp[] }[] = [];
    for (const release of releases) {
      const key = heldKey(schedulerId, release.id);
      const held = this.held.get(key);
      this.held.delete(key);
      if (held !== undefined) writes.push({ release, held, ops: this.releaseOps(release, held) });
    }
    const size = (write: (typeof writes)[number]) => write.ops.reduce((sum, op) => sum + opBytes(op), 0);
    for (const group of chunks(writes, MAX_TXN_OPS / 4, size)) {
      const compare = (write: (typeof writes)[number]) => [
        unchanged(this.keys.job(write.release.id), write.held.docRevision),
        unchanged(this.keys.claim(write.release.id), write.held.claimRevision),
      ];
      const all = await this.requests.txn(
        'release jobs',
        group.flatMap(compare),
        group.flatMap((w) => w.ops),
      );
      if (all.succeeded || group.length === 1) continue;
      // Some lease ended meanwhile (taken over, or the user changed the job): release the others alone.
      for (const write of group) await this.requests.txn('release jobs', compare(write), write.ops);
    }
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    await this.runs.add([record], retention);
  }

  /** Writes what it is given at once: one transaction per 128 records, then one trim per job. */
  async addRuns(records: RunRecord[], retention: number): Promise<void> {
    await this.runs.add(records, retention);
  }

  getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    return this.runs.get(jobId, limit, this.logger);
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

  /** Decodes a candidate: claimable (its job set), a stale index key, or an unreadable job (the error). */
  private inspect(candidate: Candidate): 'claimable' | 'stale' | SerializationError {
    if (candidate.doc === null) return 'stale';
    let parsed: unknown;
    try {
      parsed = parseDocument(candidate.id, candidate.doc.value.toString());
    } catch (error) {
      return error as SerializationError;
    }
    const next = (parsed as Partial<SerializedJob> | null)?.nextRunTime;
    if (typeof next !== 'number' || stamp(next) !== stamp(candidate.time)) return 'stale';
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
  private releaseOps(release: JobRelease, held: Held): EtcdRequestOp[] {
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
      if (parseClaim(claimKv)?.by !== schedulerId) return;
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

  /**
   * Reads a job, writes `writes(its index key)` if it has not changed since, and tries again when it
   * has. False when the job does not exist.
   */
  private async rewrite(
    operation: string,
    id: string,
    writes: (oldDue: Buffer | null) => EtcdRequestOp[],
  ): Promise<boolean> {
    const key = this.keys.job(id);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const { kvs } = await this.requests.range(operation, { key });
      const doc = kvs[0];
      if (doc === undefined) return false;
      const response = await this.requests.txn(
        operation,
        [unchanged(key, doc.mod_revision)],
        writes(this.dueKeyOf(id, doc)),
      );
      if (response.succeeded) return true;
    }
    throw new JobStoreError(`${this.describe()} failed to ${operation} "${id}": it kept changing meanwhile`, {
      jobStore: this.alias,
    });
  }

  /** The index key of a stored job, or null when paused (or its document is not JSON: acquire drops the key). */
  private dueKeyOf(id: string, doc: EtcdKeyValue): Buffer | null {
    try {
      const next = (JSON.parse(doc.value.toString()) as Partial<SerializedJob>).nextRunTime;
      return typeof next === 'number' ? this.keys.dueKey(id, next) : null;
    } catch {
      return null;
    }
  }

  /** Every live or lapsed claim, by job id. */
  private async readClaims(): Promise<Map<string, Claim>> {
    const claims = new Map<string, Claim>();
    for (const kv of await this.scan('read claims', this.keys.claims)) {
      const claim = parseClaim(kv);
      if (claim !== null) claims.set(kv.key.toString().slice(this.keys.claims.length), claim);
    }
    return claims;
  }

  /** Every key under `prefix`, a page at a time (so no one reply grows past gRPC's message limit). */
  private async scan(operation: string, prefix: string): Promise<EtcdKeyValue[]> {
    const kvs: EtcdKeyValue[] = [];
    let from: Buffer = Buffer.from(prefix);
    const end = prefixEnd(prefix);
    for (;;) {
      const page = await this.requests.range(operation, { key: from, range_end: end, limit: PAGE });
      kvs.push(...page.kvs);
      const last = page.kvs.at(-1);
      if (!page.more || last === undefined) return kvs;
      from = keyAfter(last.key);
    }
  }

  /** Claims the schema version for an empty prefix, or refuses a prefix laid out by another version. */
  private async checkSchema(client: EtcdClient): Promise<void> {
    const key = this.keys.version;
    let stored: string | undefined;
    try {
      const response = await client.kv.txn(
        {
          compare: [absent(key)],
          success: [ops.put(key, String(ETCD_SCHEMA_VERSION))],
          failure: [ops.get(key)],
        },
        { deadline: Date.now() + this.connectTimeout },
      );
      stored = response.succeeded
        ? String(ETCD_SCHEMA_VERSION)
        : response.responses[0]?.response_range?.kvs[0]?.value.toString();
    } catch (cause) {
      throw new JobStoreError(`${this.describe()} cannot connect: ${(cause as Error).message}`, {
        jobStore: this.alias,
        cause,
      });
    }
    if (stored !== String(ETCD_SCHEMA_VERSION)) {
      throw new JobStoreError(
        `${this.describe()}: keys under prefix "${this.prefix}" use schema version ${String(stored)}; ` +
          `this Horae reads version ${ETCD_SCHEMA_VERSION}. Use another prefix or migrate the data.`,
        { jobStore: this.alias },
      );
    }
  }

  /** A stored job, or `null` (reported, and left in etcd) when it cannot be read. */
  private decode(id: string, document: string): JobState | null {
    try {
      return deserializeJob(parseDocument(id, document));
    } catch (error) {
      this.reportUnreadableJob(id, error);
      return null;
    }
  }

  private reportUnreadableJob(id: string, error: unknown): void {
    this.logger.error(
      `Job "${id}" in ${this.describe()} cannot be read; it is skipped and kept in etcd ` +
        `(key ${this.keys.jobs}${id}) for you to fix or remove`,
      error,
    );
    this.reportUnreadable?.(id, error);
  }

  private describe(): string {
    const where = this.options.client === undefined ? ` at ${this.hosts.join(',')}` : '';
    return `etcd job store "${this.alias}"${where}`;
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

function parseClaim(kv: EtcdKeyValue): Claim | null {
  try {
    const { by, until } = JSON.parse(kv.value.toString()) as { by?: unknown; until?: unknown };
    if (typeof by !== 'string' || typeof until !== 'number') return null;
    return { by, until, revision: kv.mod_revision };
  } catch {
    return null;
  }
}

function parseDocument(id: string, document: string): unknown {
  try {
    return JSON.parse(document);
  } catch (cause) {
    throw new SerializationError(`Stored job "${id}" is not valid JSON`, { cause });
  }
}

const OPTION_KEYS = [
  'url',
  'client',
  'prefix',
  'connectTimeout',
  'commandTimeout',
] as const satisfies readonly (keyof EtcdJobStoreOptions)[];

function checkOptions(options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new JobStoreError(
      `EtcdJobStore options must be an object such as { url: 'etcd://127.0.0.1:2379/horae' }, not ${
        JSON.stringify(options) ?? String(options)
      }`,
    );
  }
  const unknown = findUnknownOption(options, OPTION_KEYS);
  if (unknown !== undefined)
    throw new JobStoreError(unknownOptionMessage('EtcdJobStore', unknown, OPTION_KEYS));
  const { url } = options as EtcdJobStoreOptions;
  if (url !== undefined && typeof url !== 'string') {
    throw new JobStoreError(`EtcdJobStore url must be a string such as 'etcd://127.0.0.1:2379/horae'`);
  }
}
