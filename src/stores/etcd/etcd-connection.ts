import { JobStoreError } from '../../errors.js';

/** One key as etcd returns it; revisions are decimal strings (int64). */
export interface EtcdKeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
}

export interface EtcdRangeRequest {
  key: Buffer;
  range_end?: Buffer;
  limit?: number;
  sort_order?: 'Ascend' | 'Descend';
  sort_target?: 'Key';
  keys_only?: boolean;
  count_only?: boolean;
}

export interface EtcdRangeResponse {
  kvs: EtcdKeyValue[];
  more: boolean;
  count: string;
}

/** A condition of a transaction, on one key or (with `range_end`) on every key of a range. */
export interface EtcdCompare {
  key: Buffer;
  range_end?: Buffer;
  target: 'Mod' | 'Create';
  result: 'Equal' | 'Less';
  mod_revision?: string;
  create_revision?: string;
}

export interface EtcdRequestOp {
  request_range?: EtcdRangeRequest;
  request_put?: { key: Buffer; value: Buffer; lease?: string };
  request_delete_range?: { key: Buffer; range_end?: Buffer };
}

export interface EtcdTxnResponse {
  header: { revision: string };
  succeeded: boolean;
  responses: { response_range?: EtcdRangeResponse }[];
}

/** A watch as the store uses it: events, and `cancel()`. */
export interface EtcdWatcher {
  on(event: 'put' | 'delete', handler: (kv: EtcdKeyValue) => void): unknown;
  on(event: 'connected', handler: () => void): unknown;
  on(event: 'disconnected' | 'error', handler: (error: Error) => void): unknown;
  cancel(): Promise<void>;
}

export interface EtcdWatchBuilder {
  prefix(value: string | Buffer): EtcdWatchBuilder;
  only(...operations: ('put' | 'delete')[]): EtcdWatchBuilder;
  create(): Promise<EtcdWatcher>;
}

/** Call options of one request: its deadline. */
export interface EtcdCallOptions {
  deadline?: Date | number;
}

/**
 * The part of an etcd client the store uses: the KV and lease RPCs and prefix watches. An `Etcd3`
 * instance of the `etcd3` package fits as it is, so you may pass one you configured yourself
 * (TLS, auth, your own fault handling).
 */
export interface EtcdClient {
  readonly kv: {
    range(request: EtcdRangeRequest, options?: EtcdCallOptions): Promise<EtcdRangeResponse>;
    txn(
      request: { compare?: EtcdCompare[]; success?: EtcdRequestOp[]; failure?: EtcdRequestOp[] },
      options?: EtcdCallOptions,
    ): Promise<EtcdTxnResponse>;
  };
  readonly leaseClient: {
    leaseGrant(request: { TTL: number; ID: number }, options?: EtcdCallOptions): Promise<{ ID: string }>;
  };
  watch(): EtcdWatchBuilder;
}

/** A client this store opened itself, and so must close. */
export interface OwnedEtcdClient extends EtcdClient {
  close(): void;
}

/** Where an `etcd://` URL points: its hosts, key prefix and credentials. */
export interface EtcdAddress {
  hosts: string[];
  /** The URL's path without its leading slash, or `undefined` when it has none. */
  prefix: string | undefined;
  auth: { username: string; password: string } | undefined;
}

/** Default bound on one request's round trip, in ms (option `commandTimeout`). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** Idle time before gRPC keepalive pings start, and how long a ping may go unanswered. */
const KEEPALIVE_TIME_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

/**
 * Reads `etcd://[user:password@]host:port[,host:port...]/prefix`. Several hosts are one cluster.
 * Throws `JobStoreError` naming what is wrong. The WHATWG URL parser refuses a comma-separated host
 * list, so the authority is read here by hand.
 */
export function parseEtcdUrl(url: string): EtcdAddress {
  const match = /^etcd:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(url);
  if (match === null) {
    throw new JobStoreError(
      `Malformed etcd URL ${JSON.stringify(redactEtcdUrl(url))}: expected etcd://host:port[,host:port]/prefix`,
    );
  }
  const [, userInfo, hostList = '', path, query] = match;
  if (query !== undefined && query !== '?') {
    throw new JobStoreError(
      `etcd URL ${JSON.stringify(redactEtcdUrl(url))} has query parameters; the etcd store takes none ` +
        '(pass connectTimeout and commandTimeout as options)',
    );
  }
  const hosts = hostList.split(',').map((host) => host.trim());
  for (const host of hosts) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(:\d{1,5})?$/.test(host)) {
      throw new JobStoreError(
        `etcd URL ${JSON.stringify(redactEtcdUrl(url))} names host ${JSON.stringify(host)}; expected host:port`,
      );
    }
  }
  const decode = (text: string, part: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new JobStoreError(
        `etcd URL ${JSON.stringify(redactEtcdUrl(url))} has a malformed %-escape in its ${part}`,
      );
    }
  };
  let auth: EtcdAddress['auth'];
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    const username = decode(colon === -1 ? userInfo : userInfo.slice(0, colon), 'user name');
    const password = colon === -1 ? '' : decode(userInfo.slice(colon + 1), 'password');
    auth = { username, password };
  }
  const prefix = path === undefined || path === '/' ? undefined : decode(path.slice(1), 'path');
  return { hosts: hosts.map((host) => (/:\d+$/.test(host) ? host : `${host}:2379`)), prefix, auth };
}

/** An etcd URL with its password masked (the multi-host form is no WHATWG URL, so `redactUrl` cannot). */
export function redactEtcdUrl(url: string): string {
  return url.replace(/^(etcd:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/** A positive number of milliseconds, or a `JobStoreError` naming the option. */
export function checkTimeout(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new JobStoreError(
    `etcd job store: invalid ${option} ${JSON.stringify(value)}: expected a positive number of milliseconds`,
  );
}

/** Consecutive failures after which a host is passed over, and for how long. */
const HOST_FAILURES = 2;
const HOST_REST_MS = 1000;

/**
 * A host's fault policy: after `HOST_FAILURES` connection failures in a row it is passed over for
 * `HOST_REST_MS`, so a request goes to another member of the cluster meanwhile (etcd3 tries the next
 * host when this one refuses to run a call). etcd3's default rests a host for 5 s, which would keep
 * a single-host store failing for 5 s after etcd is back.
 */
function hostBreaker(isRecoverable: (error: Error) => boolean) {
  let failures = 0;
  let restUntil = 0;
  return {
    async execute<T>(run: (context: object) => Promise<T>): Promise<T> {
      if (Date.now() < restUntil)
        throw new Error(`this etcd host failed ${failures} times in a row; resting`);
      try {
        const result = await run({});
        failures = 0;
        return result;
      } catch (error) {
        if (error instanceof Error && isRecoverable(error) && ++failures >= HOST_FAILURES)
          restUntil = Date.now() + HOST_REST_MS;
        throw error;
      }
    },
  };
}

/**
 * Opens an `etcd3` client. gRPC keepalive pings notice a dead connection while idle (each request
 * of the store carries its own deadline, `commandTimeout`). The client's own retries are turned off: a retried
 * transaction whose first reply was lost would be answered "compare failed", and the scheduler
 * retries failed passes itself, with backoff. A failing host rests for a second (`hostBreaker`).
 * The connection is made lazily; the store's first request (bounded by `connectTimeout`) shows
 * whether etcd answers.
 */
export async function connectEtcd(address: EtcdAddress): Promise<OwnedEtcdClient> {
  let etcd3: typeof import('etcd3');
  try {
    etcd3 = await import('etcd3');
  } catch (cause) {
    throw new JobStoreError('EtcdJobStore needs the "etcd3" package: npm install etcd3', { cause });
  }
  const { Etcd3, isRecoverableError } = etcd3;
  type Policy = NonNullable<NonNullable<import('etcd3').IOptions['faultHandling']>['global']>;
  const once = { execute: (run: (context: object) => unknown) => run({}) } as unknown as Policy;
  const host = () => hostBreaker(isRecoverableError) as unknown as Policy;
  const client = new Etcd3({
    hosts: address.hosts.map((host) => `http://${host}`),
    ...(address.auth === undefined ? {} : { auth: address.auth }),
    faultHandling: { global: once, host },
    grpcOptions: {
      'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
      'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
      'grpc.keepalive_permit_without_calls': 1,
    },
  });
  return client;
}
