import { HoraeError, JobStoreError } from '../../errors.js';
import type {
  EtcdCallOptions,
  EtcdClient,
  EtcdCompare,
  EtcdKeyValue,
  EtcdRangeRequest,
  EtcdRangeResponse,
  EtcdRequestOp,
  EtcdTxnResponse,
} from './etcd-connection.js';
import { keyAfter, prefixEnd } from './etcd-keys.js';

/** etcd's default `--max-txn-ops`: the most operations (and compares) one transaction may carry. */
export const MAX_TXN_OPS = 128;
/** Bytes of keys and values per transaction, under etcd's default `--max-request-bytes` (1.5 MiB). */
const MAX_TXN_BYTES = 1024 * 1024;
/** Revisions of this store's own writes remembered, to tell its own changes from others' in watches. */
const OWN_REVISIONS = 4096;
/** Keys per page of a long range read. */
export const PAGE = 500;

/**
 * Every request of one store goes through here: each is refused before `start()`, and a failure
 * becomes a `JobStoreError` naming the operation and the server. Large reads and writes are split
 * into transactions etcd accepts, and the revisions of this store's own writes are remembered, so
 * its watches can pass over them.
 */
export class EtcdRequests {
  client: EtcdClient | null = null;
  private readonly own = new Set<string>();

  constructor(
    private readonly describe: () => string,
    private readonly alias: () => string,
    private readonly timeoutMs: number,
  ) {}

  /** Whether this store wrote revision `revision` (recently). */
  isOwn(revision: string): boolean {
    return this.own.has(revision);
  }

  range(operation: string, request: EtcdRangeRequest): Promise<EtcdRangeResponse> {
    return this.guard(operation, (client) => client.kv.range(request, this.deadline()));
  }

  /** One transaction; its revision is remembered as this store's own when it succeeds. */
  async txn(
    operation: string,
    compare: EtcdCompare[],
    success: EtcdRequestOp[],
    failure: EtcdRequestOp[] = [],
  ): Promise<EtcdTxnResponse> {
    const response = await this.guard(operation, (client) =>
      client.kv.txn({ compare, success, failure }, this.deadline()),
    );
    if (response.succeeded && success.some((op) => op.request_range === undefined)) {
      this.own.add(response.header.revision);
      if (this.own.size > OWN_REVISIONS) this.own.delete(this.own.values().next().value as string);
    }
    return response;
  }

  /** Range reads, as many per transaction as etcd allows; one response per request, in order. */
  async readAll(operation: string, requests: EtcdRequestOp[]): Promise<EtcdRangeResponse[]> {
    const responses: EtcdRangeResponse[] = [];
    for (let start = 0; start < requests.length; start += MAX_TXN_OPS) {
      const chunk = requests.slice(start, start + MAX_TXN_OPS);
      const response = await this.txn(operation, [], chunk);
      for (const item of response.responses) responses.push(item.response_range as EtcdRangeResponse);
    }
    return responses;
  }

  /** Writes without conditions, in as few transactions as etcd accepts. */
  async writeAll(operation: string, requests: EtcdRequestOp[]): Promise<void> {
    for (const chunk of chunks(requests, MAX_TXN_OPS, opBytes)) await this.txn(operation, [], chunk);
  }

  /**
   * Every key under `prefix` (from `start` on, when given), a page at a time (so no one reply grows
   * past gRPC's message limit).
   */
  async scan(operation: string, prefix: string, start?: Buffer): Promise<EtcdKeyValue[]> {
    const kvs: EtcdKeyValue[] = [];
    let from: Buffer = start ?? Buffer.from(prefix);
    const end = prefixEnd(prefix);
    for (;;) {
      const page = await this.range(operation, { key: from, range_end: end, limit: PAGE });
      kvs.push(...page.kvs);
      const last = page.kvs.at(-1);
      if (!page.more || last === undefined) return kvs;
      from = keyAfter(last.key);
    }
  }

  async grantLease(operation: string, ttlSeconds: number): Promise<string> {
    const { ID } = await this.guard(operation, (client) =>
      client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }, this.deadline()),
    );
    return ID;
  }

  async guard<T>(operation: string, run: (client: EtcdClient) => Promise<T>): Promise<T> {
    if (this.client === null) {
      throw new JobStoreError(`${this.describe()} is not started (${operation})`, { jobStore: this.alias() });
    }
    try {
      return await run(this.client);
    } catch (cause) {
      throw this.failure(operation, cause);
    }
  }

  /** The error of a write whose keys others kept changing under it, attempt after attempt. */
  contended(operation: string): JobStoreError {
    return new JobStoreError(`${this.describe()} failed to ${operation}: its keys kept changing meanwhile`, {
      jobStore: this.alias(),
    });
  }

  failure(operation: string, cause: unknown): HoraeError {
    if (cause instanceof HoraeError) return cause;
    return new JobStoreError(`${this.describe()} failed to ${operation}: ${(cause as Error).message}`, {
      jobStore: this.alias(),
      cause,
    });
  }

  /** Every request waits at most `commandTimeout`, on a client the store opened or one it was given. */
  private deadline(): EtcdCallOptions {
    return { deadline: Date.now() + this.timeoutMs };
  }

  forget(): void {
    this.own.clear();
  }
}

/**
 * `items` in groups small enough for one transaction each: at most `maxCount` items (or, with
 * `countOf`, that many operations) and `MAX_TXN_BYTES` bytes (by `sizeOf`); a single item larger
 * than that is a group of its own.
 */
export function chunks<T>(
  items: T[],
  maxCount: number,
  sizeOf: (item: T) => number,
  countOf: (item: T) => number = () => 1,
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  let count = 0;
  for (const item of items) {
    const size = sizeOf(item);
    const n = countOf(item);
    if (current.length > 0 && (count + n > maxCount || bytes + size > MAX_TXN_BYTES)) {
      groups.push(current);
      current = [];
      bytes = 0;
      count = 0;
    }
    current.push(item);
    bytes += size;
    count += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The bytes an operation sends. */
export function opBytes(op: EtcdRequestOp): number {
  const put = op.request_put;
  if (put !== undefined) return put.key.length + put.value.length;
  return (op.request_delete_range?.key.length ?? 0) + (op.request_range?.key.length ?? 0) + 16;
}
