import type { EtcdCompare, EtcdRequestOp } from './etcd-connection.js';

/**
 * The keys of one etcd store, all under its prefix `P`:
 *
 * - `P/version`: the version of this layout (`ETCD_SCHEMA_VERSION`).
 * - `P/jobs/<id>`: the job, `serializeJob`'s JSON; its `nextRunTime` is the truth for the schedule.
 * - `P/due/<time>/<id>`: empty; one per scheduled job, `<time>` its next run time as 16 zero-padded
 *   digits of epoch ms, so a range read up to now lists the due jobs in order without reading the
 *   others. Written and deleted in the same transaction as the job.
 * - `P/claims/<id>`: `{"by":schedulerId,"until":ms}` while a scheduler holds the job, attached to an
 *   etcd lease that outlives `until` by a second or two, so a dead holder's claims vanish by
 *   themselves. An unreadable job's claim (parked for a minute) has no etcd lease.
 * - `P/runs/<escaped id>/<scheduled><started><seq>`: one run record each (JSON); the id escaped so
 *   that no id's records are a prefix of another's.
 *
 * Runs in progress (`ActiveRun`) and nodes, the cluster half of the contract, in five more prefixes.
 * `<job>`, `<executor>` and `<node>` are escaped as job ids are under `runs/`; `<run>` comes last, as it is:
 *
 * - `P/active/<job>/<run>`: the run, `serializeActiveRun`'s JSON, from its release to its outcome.
 *   The keys under `active/<job>/` are the job's instances: `maxInstances` is a count of that range,
 *   and a transaction that stores a run compares that no key of the range was written since it was
 *   counted. The holder and lease in the JSON are those of its creation; the keys below are the truth.
 * - `P/waiting/<executor>/<created>/<run>`: the job id; one per run that waits for a node, `<created>`
 *   its creation time (16 digits), so a worker reads the oldest runs of its executors only.
 * - `P/held/<until>/<run>`: `{"node","job"}`; one per held run, `<until>` its lease end, so the runs
 *   whose lease ran out are one range read up to now.
 * - `P/holders/<node>/<run>`: `{"until","job"}`; the same held run, by holder, for the heartbeat
 *   that extends its node's leases and for `finishRuns`.
 * - `P/nodes/<expires>/<node id>`: the node, `serializeNode`'s JSON, named by when it expires, so the
 *   live nodes are a range read from now and pruning the dead ones is one range delete.
 */
export class EtcdKeys {
  readonly version: Buffer;
  readonly jobs: string;
  readonly due: string;
  readonly claims: string;
  readonly runs: string;
  readonly active: string;
  readonly waiting: string;
  readonly held: string;
  readonly holders: string;
  readonly nodes: string;

  constructor(readonly prefix: string) {
    this.version = Buffer.from(`${prefix}version`);
    this.jobs = `${prefix}jobs/`;
    this.due = `${prefix}due/`;
    this.claims = `${prefix}claims/`;
    this.runs = `${prefix}runs/`;
    this.active = `${prefix}active/`;
    this.waiting = `${prefix}waiting/`;
    this.held = `${prefix}held/`;
    this.holders = `${prefix}holders/`;
    this.nodes = `${prefix}nodes/`;
  }

  job(id: string): Buffer {
    return Buffer.from(this.jobs + id);
  }

  claim(id: string): Buffer {
    return Buffer.from(this.claims + id);
  }

  /** The index key of a job due at `time` (epoch ms). */
  dueKey(id: string, time: number): Buffer {
    return Buffer.from(`${this.due}${stamp(time)}/${id}`);
  }

  /** The end (exclusive) of the index range of jobs due at or before `time`. */
  dueUntil(time: number): Buffer {
    return Buffer.from(`${this.due}${stamp(time + 1)}`);
  }

  /** The id and time an index key names. */
  parseDue(key: Buffer): { id: string; time: number } {
    const { time, rest } = parseStamped(this.due, key);
    return { time, id: rest };
  }

  /** The prefix of the run records of one job. */
  runsOf(jobId: string): string {
    return `${this.runs}${escapeSegment(jobId)}/`;
  }

  /** The prefix of the runs in progress of one job: its instances. */
  activeOf(jobId: string): string {
    return `${this.active}${escapeSegment(jobId)}/`;
  }

  activeRun(jobId: string, runId: string): Buffer {
    return Buffer.from(this.activeOf(jobId) + runId);
  }

  /** The job id and run id an `active/` key names. */
  parseActive(key: Buffer): { jobId: string; runId: string } {
    const text = key.toString().slice(this.active.length);
    const slash = text.indexOf('/');
    return { jobId: unescapeSegment(text.slice(0, slash)), runId: text.slice(slash + 1) };
  }

  /** The prefix of the runs that wait for a node of `executor`. */
  waitingOf(executor: string): string {
    return `${this.waiting}${escapeSegment(executor)}/`;
  }

  waitingRun(executor: string, createdAt: number, runId: string): Buffer {
    return Buffer.from(`${this.waitingOf(executor)}${stamp(createdAt)}/${runId}`);
  }

  heldRun(until: number, runId: string): Buffer {
    return Buffer.from(`${this.held}${stamp(until)}/${runId}`);
  }

  /** The end (exclusive) of the range of held runs whose lease ended before `time`. */
  heldBefore(time: number): Buffer {
    return Buffer.from(`${this.held}${stamp(time)}`);
  }

  /** The prefix of the runs `node` holds. */
  holdersOf(node: string): string {
    return `${this.holders}${escapeSegment(node)}/`;
  }

  holderRun(node: string, runId: string): Buffer {
    return Buffer.from(this.holdersOf(node) + runId);
  }

  /** The node and run id a `holders/` key names. */
  parseHolder(key: Buffer): { node: string; runId: string } {
    const text = key.toString().slice(this.holders.length);
    const slash = text.indexOf('/');
    return { node: unescapeSegment(text.slice(0, slash)), runId: text.slice(slash + 1) };
  }

  node(expiresAt: number, id: string): Buffer {
    return Buffer.from(`${this.nodes}${stamp(expiresAt)}/${id}`);
  }

  /** The start of the range of nodes that expire at or after `time`, or the end of those before. */
  nodesFrom(time: number): Buffer {
    return Buffer.from(`${this.nodes}${stamp(time)}`);
  }
}

/** A time and the rest of a key named `<prefix><16 digits>/<rest>`. */
export function parseStamped(prefix: string, key: Buffer): { time: number; rest: string } {
  const text = key.toString().slice(prefix.length);
  return { time: Number(text.slice(0, STAMP_DIGITS)), rest: text.slice(STAMP_DIGITS + 1) };
}

/** An id as one segment of a key: no `/`, and no escaped id a prefix of another's. */
function escapeSegment(id: string): string {
  return id.replace(/%/g, '%25').replace(/\//g, '%2F');
}

function unescapeSegment(segment: string): string {
  return segment.replace(/%2F|%25/g, (escape) => (escape === '%2F' ? '/' : '%'));
}

/** Digits of a time in a key: epoch ms up to the largest `Date` (8.64e15) fits in 16. */
export const STAMP_DIGITS = 16;

/** A time as it appears in keys; times before 1970 sort (and are due) as 1970. */
export function stamp(time: number): string {
  return String(Math.max(0, Math.trunc(time))).padStart(STAMP_DIGITS, '0');
}

/** The end of a prefix range: the prefix with its last byte incremented, as etcd expects. */
export function prefixEnd(prefix: string | Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** The key right after `key` in etcd's order, to continue a range read after it. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

export const ops = {
  put: (key: Buffer, value: string, lease?: string): EtcdRequestOp => ({
    request_put: { key, value: Buffer.from(value), ...(lease === undefined ? {} : { lease }) },
  }),
  delete: (key: Buffer): EtcdRequestOp => ({ request_delete_range: { key } }),
  deletePrefix: (prefix: string): EtcdRequestOp => ({
    request_delete_range: { key: Buffer.from(prefix), range_end: prefixEnd(prefix) },
  }),
  get: (key: Buffer): EtcdRequestOp => ({ request_range: { key } }),
  /** The keys under `prefix` (at most `limit`, none for 0), with their values unless `keys_only`. */
  range: (
    prefix: string,
    options: { limit?: number; keys_only?: boolean; count_only?: boolean } = {},
  ): EtcdRequestOp => ({
    request_range: { key: Buffer.from(prefix), range_end: prefixEnd(prefix), ...options },
  }),
};

/** `key`'s mod revision is `revision` ('0': the key does not exist). */
export function unchanged(key: Buffer, revision: string): EtcdCompare {
  return { key, target: 'Mod', result: 'Equal', mod_revision: revision };
}

/** `key` does not exist. */
export function absent(key: Buffer): EtcdCompare {
  return { key, target: 'Create', result: 'Equal', create_revision: '0' };
}

/** No key under `prefix` exists. */
export function emptyPrefix(prefix: string): EtcdCompare {
  return {
    key: Buffer.from(prefix),
    range_end: prefixEnd(prefix),
    target: 'Create',
    result: 'Equal',
    create_revision: '0',
  };
}

/**
 * No key under `prefix` was written after `revision`: none was added or changed since a read at that
 * revision (a key deleted since is not seen, which only lowers a count).
 */
export function untouchedSince(prefix: string, revision: string): EtcdCompare {
  return {
    key: Buffer.from(prefix),
    range_end: prefixEnd(prefix),
    target: 'Mod',
    result: 'Less',
    mod_revision: String(BigInt(revision) + 1n),
  };
}
