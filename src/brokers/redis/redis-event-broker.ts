import { InvalidArgumentError } from '../../errors.js';
import { redactUrl } from '../../stores/redact-url.js';
import { BaseEventBroker, type BrokerSession } from '../base-event-broker.js';
import { EventBrokerError } from '../broker-error.js';
import type { BrokerLink } from '../broker-link.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  channelOption,
  checkOptions,
  loadDriver,
  millisecondsOption,
  stringOption,
} from '../broker-options.js';
import { RedisSession, type OwnRedisConnection, type RedisBrokerClient } from './redis-session.js';

export interface RedisEventBrokerOptions {
  /** The server, `redis://[user:password@]host:6379` (`rediss://` for TLS). Default localhost:6379. */
  url?: string;
  /**
   * An ioredis `Redis` or `Cluster` to publish through instead of `url`, such as the job store's.
   * The broker subscribes on a duplicate of it (same settings, a connection of its own), so this one
   * is never put in subscriber mode; and it is never closed by the broker.
   */
  client?: RedisBrokerClient;
  /**
   * The pub/sub channel every node of the cluster uses: any non-empty string. Default `'horae'`.
   * Redis pub/sub ignores the database number: applications sharing one Redis need distinct channels.
   */
  channel?: string;
  /** Milliseconds to connect and subscribe at `start`, and to connect at each reconnection. Default 5000. */
  connectTimeout?: number;
  /**
   * Milliseconds between pings of the subscribing connection; one without an answer by the next
   * marks the connection dead (a half-open connection never says so). Default 30000. Not used with
   * a `Cluster`, whose node connections ioredis watches itself.
   */
  pingInterval?: number;
}

const OWNER = 'RedisEventBroker';
const KNOWN = ['url', 'client', 'channel', 'connectTimeout', 'pingInterval'] as const;
/** ioredis's delay before its n-th reconnection attempt: doubling from 100 ms, capped at 5 s, jittered. */
const RETRY_FIRST_MS = 100;
const RETRY_CAP_MS = 5_000;

type RedisConstructor = new (...args: unknown[]) => OwnRedisConnection;
type DuplicateRedis = (override: Record<string, unknown>) => OwnRedisConnection;
type DuplicateCluster = (nodes: never[], override: Record<string, unknown>) => OwnRedisConnection;

/**
 * An event broker on Redis pub/sub, through ioredis (an optional peer dependency, loaded on the
 * first `start` unless a client is passed in). A Redis Cluster works too, by passing an ioredis
 * `Cluster` as `client`: a `PUBLISH` reaches the subscribers on every node.
 *
 * @example
 * import { RedisEventBroker } from 'horae/brokers/redis';
 * const scheduler = new Scheduler({ eventBroker: new RedisEventBroker({ url: 'redis://cache:6379' }) });
 */
export class RedisEventBroker extends BaseEventBroker {
  private readonly url: string | undefined;
  private readonly client: RedisBrokerClient | undefined;
  private readonly channel: string;
  private readonly connectTimeoutMs: number;
  private readonly pingIntervalMs: number;

  constructor(options?: RedisEventBrokerOptions) {
    const given = checkOptions(OWNER, options, KNOWN);
    const url = stringOption(OWNER, 'url', given.url);
    const { client } = given;
    if (
      client !== undefined &&
      (typeof client?.publish !== 'function' || typeof client.duplicate !== 'function')
    ) {
      throw new InvalidArgumentError(`${OWNER} option client must be an ioredis Redis or Cluster`, {
        field: 'client',
      });
    }
    if (url !== undefined && client !== undefined) {
      throw new InvalidArgumentError(`${OWNER} takes \`url\` or \`client\`, not both`, { field: 'client' });
    }
    const server =
      url !== undefined
        ? redactUrl(url)
        : client !== undefined
          ? 'the server of its client'
          : 'localhost:6379';
    super('redis', 'Redis event broker', server);
    this.url = url;
    this.client = client;
    this.channel = channelOption(OWNER, given.channel, (channel) =>
      channel === '' ? 'it must not be empty' : null,
    );
    this.connectTimeoutMs = millisecondsOption(
      OWNER,
      'connectTimeout',
      given.connectTimeout,
      DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.pingIntervalMs = millisecondsOption(
      OWNER,
      'pingInterval',
      given.pingInterval,
      DEFAULT_PING_INTERVAL_MS,
    );
  }

  protected override async open(link: BrokerLink): Promise<BrokerSession> {
    // No retry until started: a server that cannot be reached fails `start` at once.
    let starting = true;
    const retryStrategy = (attempt: number) =>
      starting
        ? null
        : Math.min(RETRY_FIRST_MS * 2 ** (attempt - 1), RETRY_CAP_MS) * (0.8 + Math.random() * 0.4);
    const settings = {
      lazyConnect: true,
      connectTimeout: this.connectTimeoutMs,
      // With the pings: a connection that answers nothing for this long is destroyed and reopened.
      socketTimeout: this.pingIntervalMs,
      keepAlive: 30_000,
      maxRetriesPerRequest: 1,
      retryStrategy,
    };
    const { client } = this;
    const isCluster = client?.isCluster === true;
    let subscriber: OwnRedisConnection;
    let ownPublisher: OwnRedisConnection | null = null;
    if (client === undefined) {
      const { Redis } = await loadDriver('redis', OWNER, 'ioredis', () => import('ioredis'));
      const make = (extra: Record<string, unknown>) =>
        new (Redis as unknown as RedisConstructor)(...(this.url === undefined ? [] : [this.url]), {
          ...settings,
          ...extra,
        });
      ownPublisher = make({ enableOfflineQueue: false });
      subscriber = make({ autoResubscribe: false });
    } else if (isCluster) {
      subscriber = (client.duplicate as unknown as DuplicateCluster)([], {
        lazyConnect: true,
        clusterRetryStrategy: retryStrategy,
      });
    } else {
      subscriber = (client.duplicate as unknown as DuplicateRedis)({ ...settings, autoResubscribe: false });
    }
    const session = new RedisSession(link, {
      channel: this.channel,
      publisher: client ?? (ownPublisher as OwnRedisConnection),
      subscriber,
      ownPublisher,
      connectTimeoutMs: this.connectTimeoutMs,
      pingIntervalMs: isCluster ? null : this.pingIntervalMs,
    });
    try {
      await session.open();
    } catch (cause) {
      await session.close();
      throw new EventBrokerError(
        'redis',
        `${this.name} cannot subscribe on ${this.server}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    starting = false;
    return session;
  }
}
