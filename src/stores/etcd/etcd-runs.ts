import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { RunRecord } from '../job-store.js';
import { deserializeRunRecord, serializeRunRecord, startedMs } from '../run-record.js';
import type { EtcdRequestOp } from './etcd-connection.js';
import { keyAfter, ops, prefixEnd, stamp, type EtcdKeys } from './etcd-keys.js';
import type { EtcdRequests } from './etcd-requests.js';

/**
 * The run history in etcd: one key per record, named so that etcd's key order is the history's
 * order (scheduled time, then start time, then the order they were written), under a prefix per
 * job. Writing a batch is one transaction per 128 records; trimming to `retention` is one count
 * per job and one range delete per job over it.
 */
export class EtcdRuns {
  /** Orders records written by this process at the same scheduled and start time. */
  private sequence = 0;
  /** Tells this process's records from another's written at the same instant. */
  private readonly tag = randomBytes(4).toString('hex');

  constructor(
    private readonly keys: EtcdKeys,
    private readonly requests: EtcdRequests,
  ) {}

  async add(records: RunRecord[], retention: number): Promise<void> {
    if (records.length === 0) return;
    await this.requests.writeAll('record runs', this.puts(records));
    await this.trim(records, retention);
  }

  /** The writes that store `records` (each under a key of its own); `trim` them afterwards. */
  puts(records: RunRecord[]): EtcdRequestOp[] {
    return records.map((record) => {
      const started = startedMs(record);
      const name =
        stamp(record.scheduledRunTime.getTime()) +
        stamp(Number.isNaN(started) ? 0 : started) +
        String(++this.sequence).padStart(12, '0') +
        this.tag;
      return ops.put(Buffer.from(this.keys.runsOf(record.jobId) + name), serializeRunRecord(record));
    });
  }

  /** Drops the oldest records of the jobs of `records` beyond `retention`. */
  async trim(records: RunRecord[], retention: number): Promise<void> {
    const jobIds = [...new Set(records.map((record) => record.jobId))];
    if (jobIds.length === 0) return;
    const counts = await this.requests.readAll(
      'count run records',
      jobIds.map((id) => ops.range(this.keys.runsOf(id), { count_only: true })),
    );
    const over = jobIds
      .map((id, i) => ({ id, excess: Number(counts[i]?.count ?? 0) - Math.max(0, retention) }))
      .filter(({ excess }) => excess > 0);
    if (over.length === 0) return;
    const oldest = await this.requests.readAll(
      'find old run records',
      over.map(({ id, excess }) => ops.range(this.keys.runsOf(id), { keys_only: true, limit: excess })),
    );
    const deletes: EtcdRequestOp[] = [];
    over.forEach(({ id }, i) => {
      const last = oldest[i]?.kvs.at(-1);
      if (last === undefined) return;
      deletes.push({
        request_delete_range: { key: Buffer.from(this.keys.runsOf(id)), range_end: keyAfter(last.key) },
      });
    });
    await this.requests.writeAll('trim run records', deletes);
  }

  async get(jobId: string, limit: number, logger: Logger): Promise<RunRecord[]> {
    if (limit <= 0) return [];
    const prefix = this.keys.runsOf(jobId);
    const response = await this.requests.range('read runs', {
      key: Buffer.from(prefix),
      range_end: prefixEnd(prefix),
      sort_order: 'Descend',
      sort_target: 'Key',
      limit,
    });
    const records: RunRecord[] = [];
    for (const kv of response.kvs) {
      try {
        records.push(deserializeRunRecord(kv.value.toString()));
      } catch (error) {
        logger.error(`A run record of job "${jobId}" cannot be read and was skipped`, error);
      }
    }
    return records;
  }
}
