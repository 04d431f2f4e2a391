import { SerializationError } from '../../errors.js';

/**
 * Where the ZooKeeper store keeps things under its root path, and what the znodes hold (see
 * `docs/stores.md#zookeeperjobstore`):
 *
 * - `<root>/version`: the layout's version, `ZOOKEEPER_SCHEMA_VERSION`.
 * - `<root>/jobs/<id>`: each job's document (`serializeJob`'s JSON). Its znode version is the
 *   compare-and-set token of every write to the job.
 * - `<root>/due/<bucket>/<time>~<id>`: the due-time index, one empty znode per scheduled job that is
 *   not leased, grouped in buckets of `BUCKET_MS`, so a pass lists the bucket names and then only the
 *   buckets that are due instead of every job.
 * - `<root>/leases/<id>`: the lease of a claimed job (holder, its session, lease end, run time); a
 *   leased job has no index entry. A lease past its end, or whose session is gone, is taken over by
 *   a versioned write.
 * - `<root>/sessions/<session id>`: an ephemeral znode per live store session that holds leases, so
 *   a scheduler that dies frees its claims when its session expires.
 * - `<root>/runs/<id>/r<scheduled>-<started>-<sequence>`: run records, the names sorting oldest first.
 * - `<root>/active/<job id>/<run id>`: each run in progress (`ActiveRun`, `serializeActiveRun`'s
 *   JSON). The job's folder is its instance count (`maxInstances`): a transaction that stores a run
 *   sets the folder's data at the version it read with the children it counted, so two writers
 *   cannot both count the same free slot. The folder stays when its last run ends, as `runs/<id>`.
 * - `<root>/waiting/<executor>/<created>~<run id>~<job id>`: one empty znode per run that waits for a
 *   worker, by its job's executor, names sorting in the order runs are handed out.
 * - `<root>/held/<bound>~<node>/<lease end>~<run id>~<job id>`: one empty znode per run a node holds,
 *   named by its lease end, in a group of the holder's with a lower bound of its runs' lease ends.
 *   A node's heartbeat moves its runs to one new group, so a live node has one or two groups whose
 *   bound is ahead, and a pass over interrupted runs lists only the groups whose bound has passed.
 *   Which index holds a run's entry, and the entry's name, are the truth of its holder and lease.
 * - `<root>/nodes/<expires>~<node>`: each node's last heartbeat (`serializeNode`'s JSON), named by
 *   its expiry, so a heartbeat finds the dead nodes to prune from the names alone.
 *
 * Job ids become znode names through `encodeId`, which leaves no `/`, no control character and no
 * name of `.` or `..`; times are zero-padded epoch milliseconds, so names sort as their times.
 */

/**
 * The layout of the znodes this version reads and writes; kept in `<root>/version`. The folders of
 * runs in progress and of nodes (`active`, `waiting`, `held`, `nodes`) came later within version 1:
 * older Horae never reads them, and `start()` makes them in a root that lacks them.
 */
export const ZOOKEEPER_SCHEMA_VERSION = 1;

/** The width of one due-time bucket, in ms. */
export const BUCKET_MS = 60_000;

const TIME_DIGITS = 16;

/** A job id as a znode name: percent-encoded, dots included. */
export function encodeId(id: string): string {
  return encodeURIComponent(id)
    .replace(/\./g, '%2E')
    .replace(/[!'()*~]/g, percent);
}

function percent(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
}

/** The job id of an `encodeId` name. */
export function decodeId(name: string): string {
  return decodeURIComponent(name);
}

/** Epoch ms as a fixed-width name part (times before 1970 count as 0). */
export function timeName(ms: number): string {
  return String(Math.max(0, Math.trunc(ms))).padStart(TIME_DIGITS, '0');
}

/** The paths of one store's root. */
export class Layout {
  readonly version: string;
  readonly jobs: string;
  readonly due: string;
  readonly leases: string;
  readonly runs: string;
  readonly sessions: string;
  readonly active: string;
  readonly waiting: string;
  readonly held: string;
  readonly nodes: string;

  constructor(readonly root: string) {
    this.version = `${root}/version`;
    this.jobs = `${root}/jobs`;
    this.due = `${root}/due`;
    this.leases = `${root}/leases`;
    this.runs = `${root}/runs`;
    this.sessions = `${root}/sessions`;
    this.active = `${root}/active`;
    this.waiting = `${root}/waiting`;
    this.held = `${root}/held`;
    this.nodes = `${root}/nodes`;
  }

  /** The folders `start()` creates (those a root made by an older version lacks, too). */
  folders(): string[] {
    return [
      this.jobs,
      this.due,
      this.leases,
      this.runs,
      this.sessions,
      this.active,
      this.waiting,
      this.held,
      this.nodes,
    ];
  }

  job(id: string): string {
    return `${this.jobs}/${encodeId(id)}`;
  }

  /** The ephemeral znode of a store session (its id in hex). */
  session(sessionId: string): string {
    return `${this.sessions}/${sessionId}`;
  }

  lease(id: string): string {
    return `${this.leases}/${encodeId(id)}`;
  }

  bucket(ms: number): string {
    return `${this.due}/${timeName(Math.floor(ms / BUCKET_MS))}`;
  }

  /** The index entry of job `id` due at `ms`. */
  entry(id: string, ms: number): string {
    return `${this.bucket(ms)}/${timeName(ms)}~${encodeId(id)}`;
  }

  jobRuns(jobId: string): string {
    return `${this.runs}/${encodeId(jobId)}`;
  }

  /** The name prefix of a run record; ZooKeeper appends a sequence number to it. */
  runPrefix(jobId: string, scheduledMs: number, startedMs: number): string {
    return `${this.jobRuns(jobId)}/r${timeName(scheduledMs)}-${timeName(Number.isNaN(startedMs) ? 0 : startedMs)}-`;
  }

  /** The folder of a job's runs in progress: its children are its instances. */
  jobActive(jobId: string): string {
    return `${this.active}/${encodeId(jobId)}`;
  }

  activeRun(jobId: string, runId: string): string {
    return `${this.jobActive(jobId)}/${encodeId(runId)}`;
  }

  /** The queue of the runs that wait for a worker of this executor. */
  queue(executor: string): string {
    return `${this.waiting}/${encodeId(executor)}`;
  }

  /** A group of `node`'s held runs, none of which has a lease ending before `bound`. */
  group(node: string, bound: number): string {
    return `${this.held}/${timeName(bound)}~${encodeId(node)}`;
  }

  node(id: string, expiresMs: number): string {
    return `${this.nodes}/${timeName(expiresMs)}~${encodeId(id)}`;
  }
}

/** The name of a run's entry in a queue or a held group: its time (creation or lease end) and ids. */
export function runEntry(ms: number, runId: string, jobId: string): string {
  return `${timeName(ms)}~${encodeId(runId)}~${encodeId(jobId)}`;
}

/** A run entry's name read back; `null` for a name this store did not write. */
export function parseRunEntry(name: string): { time: number; runId: string; jobId: string } | null {
  const match = /^(\d{16})~([^~]+)~([^~]+)$/.exec(name);
  if (match === null) return null;
  try {
    return {
      time: Number(match[1]),
      runId: decodeId(match[2] as string),
      jobId: decodeId(match[3] as string),
    };
  } catch {
    return null;
  }
}

/** An index entry's name read back: the job's id and due time; `null` for a name this store did not write. */
export function parseEntry(name: string): { id: string; time: number } | null {
  const match = /^(\d{16})~(.+)$/.exec(name);
  if (match === null) return null;
  try {
    return { id: decodeId(match[2] as string), time: Number(match[1]) };
  } catch {
    return null;
  }
}

/** The bucket number of a bucket name; `NaN` for a name this store did not write. */
export function bucketNumber(name: string): number {
  return /^\d{16}$/.test(name) ? Number(name) : NaN;
}

/** A claim on a job, as kept in `<root>/leases/<id>`. */
export interface Lease {
  holder: string;
  /** The holder's ZooKeeper session: the lease ends with it. */
  session: string;
  /** The lease's end, epoch ms. */
  until: number;
  /** The job's run time when it was claimed, so a lease that ran out is taken in due-time order. */
  time: number;
}

export function parseDocument(id: string, document: string): unknown {
  try {
    return JSON.parse(document);
  } catch (cause) {
    throw new SerializationError(`Stored job "${id}" is not valid JSON`, { cause });
  }
}

/** The `nextRunTime` a stored document names: `undefined` when it cannot be read. */
export function storedTime(document: string): number | null | undefined {
  try {
    const time = (JSON.parse(document) as { nextRunTime?: unknown }).nextRunTime;
    return typeof time === 'number' || time === null ? time : undefined;
  } catch {
    return undefined;
  }
}

/** The document with its two time fields replaced; `null` when it is not a JSON object. */
export function withTimes(document: string, next: Date | null, fire: Date | null): string | null {
  try {
    const parsed = JSON.parse(document) as Record<string, unknown>;
    if (parsed === null || typeof parsed !== 'object') return null;
    return JSON.stringify({
      ...parsed,
      nextRunTime: next?.getTime() ?? null,
      nextFireTime: fire?.getTime() ?? null,
    });
  } catch {
    return null;
  }
}

export function parseLease(data: string): Lease | null {
  try {
    const lease = JSON.parse(data) as Lease;
    return typeof lease.holder === 'string' &&
      typeof lease.session === 'string' &&
      typeof lease.until === 'number' &&
      typeof lease.time === 'number'
      ? lease
      : null;
  } catch {
    return null;
  }
}

export interface Bucket {
  name: string;
  number: number;
}

export function sortedBuckets(names: string[]): Bucket[] {
  return names
    .map((name) => ({ name, number: bucketNumber(name) }))
    .filter((bucket) => !Number.isNaN(bucket.number))
    .sort((a, b) => a.number - b.number);
}
