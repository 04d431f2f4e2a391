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
 */
export class EtcdKeys {
  readonly version: Buffer;
  readonly jobs: string;
  readonly due: string;
  readonly claims: string;
  readonly runs: string;

  constructor(readonly prefix: string) {
    this.version = Buffer.from(`${prefix}version`);
    this.jobs = `${prefix}jobs/`;
    this.due = `${prefix}due/`;
    this.claims = `${prefix}claims/`;
    this.runs = `${prefix}runs/`;
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
    const text = key.toString().slice(this.due.length);
    return { time: Number(text.slice(0, STAMP_DIGITS)), id: text.slice(STAMP_DIGITS + 1) };
  }

  /** The prefix of the run records of one job. */
  runsOf(jobId: string): string {
    return `${this.runs}${jobId.replace(/%/g, '%25').replace(/\//g, '%2F')}/`;
  }
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
};

/** `key`'s mod revision is `revision` ('0': the key does not exist). */
export function unchanged(key: Buffer, revision: string): EtcdCompare {
  return { key, target: 'Mod', result: 'Equal', mod_revision: revision };
}

/** `key` does not exist. */
export function absent(key: Buffer): EtcdCompare {
  return { key, target: 'Create', result: 'Equal', create_revision: '0' };
}
