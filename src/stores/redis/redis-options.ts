import { JobStoreError } from '../../errors.js';
import { findUnknownOption, unknownOptionMessage } from '../../unknown-option.js';
import {
  clusterTargetFromNodes,
  clusterTargetFromUrl,
  isClusterUrl,
  type RedisClusterNode,
  type RedisClusterTarget,
} from './redis-cluster.js';
import type { RedisClient } from './redis-connection.js';

/** The options of `RedisJobStore`. */
export interface RedisJobStoreOptions {
  /**
   * `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. Default `redis://127.0.0.1:6379`.
   * A Redis Cluster: `redis+cluster://[user:password@]host:port,host:port` (`rediss+cluster://`
   * for TLS), whose hosts are seed nodes (more may follow in a `nodes=host:port,...` parameter).
   */
  url?: string;
  /**
   * A client you opened (an ioredis `Redis` or `Cluster`, or anything with its `call` method). The
   * store uses it as it is and never closes it. Takes precedence over `url`. A client whose
   * `isCluster` is `true` (an ioredis `Cluster`) gets the cluster key layout.
   */
  client?: RedisClient;
  /**
   * The seed nodes of a Redis Cluster (`'host:port'` or `{ host, port }`), instead of `url` or
   * `client`; the store opens an ioredis `Cluster` to them. For a password or TLS use the
   * `redis+cluster://` URL, or pass a `Cluster` of your own as `client`.
   */
  nodes?: RedisClusterNode[];
  /**
   * For a cluster the store opens: the address to dial for each address the cluster announces
   * (`{ '10.0.0.5:7000': { host: 'redis-a.example', port: 7000 } }`), when the nodes are reached
   * through NAT, containers or a proxy. ioredis's `natMap`.
   */
  natMap?: Record<string, { host: string; port: number }>;
  /**
   * Put before every key, so several applications can share one Redis. Default `'horae:'`. On a
   * cluster the keys use it as a hash tag: see `keyPrefix`.
   */
  prefix?: string;
  /** How long `start()` waits for Redis before failing with `JobStoreError`, in ms. Default 5000. */
  connectTimeout?: number;
  /**
   * Milliseconds to wait for the reply to one command before failing it (and reconnecting), so a
   * connection gone silent is reported and retried instead of hanging the scheduler. Also read
   * from the URL (`?commandTimeout=5000`). Default 10000.
   */
  commandTimeout?: number;
}

const OPTION_KEYS = [
  'url',
  'client',
  'nodes',
  'natMap',
  'prefix',
  'connectTimeout',
  'commandTimeout',
] as const satisfies readonly (keyof RedisJobStoreOptions)[];

/** Throws `JobStoreError` for options that are not an object, or that name an unknown option. */
export function checkOptions(options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new JobStoreError(
      `RedisJobStore options must be an object such as { url: 'redis://127.0.0.1:6379' }, not ${
        JSON.stringify(options) ?? String(options)
      }`,
    );
  }
  const unknown = findUnknownOption(options, OPTION_KEYS);
  if (unknown !== undefined)
    throw new JobStoreError(unknownOptionMessage('RedisJobStore', unknown, OPTION_KEYS));
}

/**
 * The cluster the store is to open: from `nodes` or a cluster URL (`undefined` for a single Redis
 * or a `client`). Throws `JobStoreError` for `nodes` beside `url` or `client`, and for `natMap`
 * without a cluster to open.
 */
export function clusterTargetOf(options: RedisJobStoreOptions): RedisClusterTarget | undefined {
  if (options.nodes !== undefined && (options.url !== undefined || options.client !== undefined)) {
    throw new JobStoreError(
      'RedisJobStore: give one of url, client and nodes (nodes are the seeds of a cluster the store opens)',
    );
  }
  const target =
    options.client !== undefined
      ? undefined
      : options.nodes !== undefined
        ? clusterTargetFromNodes(options.nodes)
        : options.url !== undefined && isClusterUrl(options.url)
          ? clusterTargetFromUrl(options.url)
          : undefined;
  if (options.natMap === undefined) return target;
  if (target === undefined) {
    throw new JobStoreError(
      'RedisJobStore: natMap applies to a cluster the store opens (a redis+cluster:// url or nodes); ' +
        'with a client of your own, give natMap to its constructor',
    );
  }
  return { ...target, natMap: options.natMap };
}
