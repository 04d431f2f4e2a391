import { JobStoreError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { redactUrl } from '../redact-url.js';
import {
  loadIoredis,
  openOwnedClient,
  redisClientSettings,
  type OwnedRedisClient,
} from './redis-connection.js';

/** A seed node of a Redis Cluster: `'host:port'` (port 6379 when left out) or `{ host, port }`. */
export type RedisClusterNode = string | { host: string; port: number };

/** Where the store finds a cluster: seed nodes (the client discovers the rest) and how to log in. */
export interface RedisClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
  /** Addresses to dial instead of those the cluster announces (NAT, containers, proxies). */
  natMap?: Record<string, { host: string; port: number }>;
  /** For messages: the URL or the node list, without a password. */
  shown: string;
}

/** The URL schemes of a cluster: `redis+cluster://` and, with TLS, `rediss+cluster://`. */
const CLUSTER_SCHEMES = ['redis+cluster:', 'rediss+cluster:'] as const;

/** Whether `url` names a cluster (by its scheme). */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEMES.some((scheme) => url.toLowerCase().startsWith(scheme));
}

/**
 * A cluster URL with a list of hosts (`redis+cluster://a:7000,b:7001/?prefix=x:`, which WHATWG
 * `URL` cannot parse) in the form it can: the first host stays, the others move to the `nodes`
 * parameter (`redis+cluster://a:7000/?nodes=b:7001&prefix=x:`). Any other string is returned as is.
 */
export function normalizeClusterUrl(url: string): string {
  const match = /^(rediss?\+cluster:\/\/)([^/?#@]*@)?([^/?#]*)([^?#]*)(\?[^#]*)?$/i.exec(url);
  const hosts = match?.[3]?.split(',') ?? [];
  if (match === null || hosts.length < 2) return url;
  const [scheme, userInfo = '', , path, query] = match.slice(1);
  const nodes = `nodes=${hosts.slice(1).join(',')}`;
  return `${scheme}${userInfo}${hosts[0]}${path || '/'}?${nodes}${query ? `&${query.slice(1)}` : ''}`;
}

/**
 * The key prefix of a store on a cluster. Redis Cluster hashes only the part of a key between the
 * first `{` and the next `}` when there is one (a hash tag), so keys sharing a tag share a slot and
 * one Lua script may touch them all. A prefix that already has a tag (`app:{billing}:`) is used as
 * it is; any other is wrapped whole (`billing:` becomes `{billing:}`). Throws `JobStoreError` for a
 * prefix that cannot make a tag (empty, or starting with `}` and holding no tag).
 */
export function clusterKeyPrefix(prefix: string): string {
  if (hashTagOf(prefix) !== null) return prefix;
  const wrapped = `{${prefix}}`;
  if (hashTagOf(wrapped) !== null) return wrapped;
  throw new JobStoreError(
    `Redis job store: prefix ${JSON.stringify(prefix)} cannot become a hash tag on a Redis Cluster; ` +
      `use a non-empty prefix such as 'horae:', or one with a tag such as 'app:{jobs}:'`,
  );
}

/** The hash tag Redis Cluster would read at the start of any key that begins with `prefix`. */
function hashTagOf(prefix: string): string | null {
  const open = prefix.indexOf('{');
  if (open === -1) return null;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

/**
 * Reads `redis+cluster://[user:password@]host:port[,host:port...][/][?nodes=host:port,...]`
 * (`rediss+cluster` for TLS): the hosts, and those of `nodes`, are seed nodes. `prefix` and
 * `commandTimeout` are read by the store; any other parameter is refused. Throws `JobStoreError`
 * naming what is wrong.
 */
export function clusterTargetFromUrl(url: string): RedisClusterTarget {
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(normalizeClusterUrl(url));
  } catch (cause) {
    throw new JobStoreError(`Redis job store: malformed cluster URL ${shown}`, { cause });
  }
  const bad = (what: string) =>
    new JobStoreError(
      `Redis job store: ${what} in ${shown}; expected ` +
        `redis+cluster://[user:password@]host:port,host:port/?prefix=...`,
    );
  if (parsed.hostname === '') throw bad('no seed node');
  if (parsed.pathname !== '' && parsed.pathname !== '/')
    throw bad(`path "${parsed.pathname}" (a cluster has no databases)`);
  const nodes = [parseNode(parsed.host, bad)];
  for (const [name, value] of parsed.searchParams) {
    if (name === 'nodes')
      nodes.push(
        ...value
          .split(',')
          .filter((node) => node !== '')
          .map((node) => parseNode(node, bad)),
      );
    else if (name !== 'prefix' && name !== 'commandTimeout') throw bad(`unknown parameter "${name}"`);
  }
  return {
    nodes,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    tls: parsed.protocol.toLowerCase() === 'rediss+cluster:',
    shown,
  };
}

/** The target of the `nodes` option. Throws `JobStoreError` naming a node that is not `host:port`. */
export function clusterTargetFromNodes(nodes: readonly RedisClusterNode[]): RedisClusterTarget {
  const shown = `nodes ${JSON.stringify(nodes)}`;
  const bad = (what: string) =>
    new JobStoreError(`Redis job store: ${what} in ${shown}; expected 'host:port' or { host, port }`);
  if (!Array.isArray(nodes) || nodes.length === 0) throw bad('no seed node');
  return {
    nodes: nodes.map((node) => {
      if (typeof node === 'string') return parseNode(node, bad);
      const { host, port } = (node ?? {}) as { host?: unknown; port?: unknown };
      if (typeof host === 'string' && host !== '' && Number.isInteger(port) && isPort(port as number))
        return { host, port: port as number };
      throw bad(`node ${JSON.stringify(node)} is not { host, port }`);
    }),
    tls: false,
    shown,
  };
}

function parseNode(text: string, bad: (what: string) => Error): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = Number(match?.[2] ?? 6379);
  if (match === null || !isPort(port)) throw bad(`node ${JSON.stringify(text)} is not host:port`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

const isPort = (port: number) => port >= 1 && port <= 65535;

/**
 * Opens an ioredis `Cluster` to `target` and waits until it is ready, with the promises of
 * `connectRedis`: a cluster that cannot be reached fails within `connectTimeoutMs` with a
 * `JobStoreError`; once up, the client refreshes its slot map and reconnects by itself after an
 * outage (one logged line per outage), and a command issued while the cluster is away fails at once
 * instead of waiting in a queue, so the scheduler's own retries stay in charge.
 */
export async function connectRedisCluster(
  target: RedisClusterTarget,
  connectTimeoutMs: number,
  logger: Logger,
  alias: string,
  commandTimeoutMs: number,
): Promise<OwnedRedisClient> {
  const { Cluster } = await loadIoredis(alias);
  return openOwnedClient({
    alias,
    logger,
    connectTimeoutMs,
    shown: target.shown,
    make: (isStarting) =>
      new Cluster(target.nodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        slotsRefreshTimeout: Math.min(connectTimeoutMs, commandTimeoutMs),
        clusterRetryStrategy: (attempt: number) => (isStarting() ? null : Math.min(attempt * 200, 2000)),
        ...(target.natMap === undefined ? {} : { natMap: target.natMap }),
        redisOptions: {
          ...redisClientSettings(connectTimeoutMs, commandTimeoutMs),
          ...(target.username === undefined ? {} : { username: target.username }),
          ...(target.password === undefined ? {} : { password: target.password }),
          ...(target.tls ? { tls: {} } : {}),
        },
      }),
  });
}
