import { withTimeout } from '../../stores/no-reply.js';
import type { BrokerSession } from '../base-event-broker.js';
import type { BrokerLink } from '../broker-link.js';

/**
 * The part of an ioredis `Redis` or `Cluster` the broker uses; either fits as it is. Messages are
 * published through it; a duplicate of it subscribes.
 */
export interface RedisBrokerClient {
  publish(channel: string, message: string): Promise<unknown>;
  duplicate(...overrides: never[]): unknown;
  /** `true` for an ioredis `Cluster`, which says so itself. */
  readonly isCluster?: boolean;
}

/** An ioredis connection the broker opened itself (made with `lazyConnect`), and so must close. */
export interface OwnRedisConnection {
  readonly status: string;
  connect(): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  ping(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

export interface RedisSessionConfig {
  channel: string;
  /** Where messages are published: the client passed in, or `own`'s publisher. */
  publisher: Pick<RedisBrokerClient, 'publish'>;
  /** The connection that subscribes. */
  subscriber: OwnRedisConnection;
  /** A publisher the broker opened (none when a client was passed in). */
  ownPublisher: OwnRedisConnection | null;
  connectTimeoutMs: number;
  /** Milliseconds between pings of the subscriber; `null` for a cluster (ioredis watches its nodes). */
  pingIntervalMs: number | null;
}

/**
 * A subscriber connection and a publisher. ioredis reconnects by itself (the broker gives it a
 * capped backoff): when a connection the broker opened closes, the outage is reported; it ends
 * once each is ready again, the subscriber subscribed again. A half-open connection is caught by
 * the pings: ioredis destroys a socket that answers nothing within its `socketTimeout`.
 */
export class RedisSession implements BrokerSession {
  /** The connections the outage waits for. */
  private readonly down = new Set<OwnRedisConnection>();
  private lastError: Error | undefined;
  private ping: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly link: BrokerLink,
    private readonly config: RedisSessionConfig,
  ) {}

  /** Connects and subscribes; rejects with the connection's own error when that fails. */
  async open(): Promise<void> {
    const { subscriber, ownPublisher, channel, connectTimeoutMs } = this.config;
    const noteError = (error: Error) => (this.lastError = error);
    subscriber.on('error', noteError);
    subscriber.on('node error', noteError);
    ownPublisher?.on('error', noteError);
    subscriber.on('message', (from: string, text: string) => {
      if (from === channel) this.link.receive(text);
    });
    try {
      await withTimeout(
        Promise.all([subscriber.connect(), ownPublisher?.connect()]),
        connectTimeoutMs,
        'connecting',
      );
      await withTimeout(subscriber.subscribe(channel), connectTimeoutMs, 'SUBSCRIBE');
    } catch (error) {
      throw this.lastError ?? error;
    }
    this.watch(subscriber, () => subscriber.subscribe(channel));
    // Until the publisher is back too, a message would fail to go out: the outage lasts.
    if (ownPublisher !== null) this.watch(ownPublisher, () => Promise.resolve());
    const { pingIntervalMs } = this.config;
    if (pingIntervalMs !== null) {
      this.ping = setInterval(() => subscriber.ping().catch(() => undefined), pingIntervalMs);
    }
  }

  write(text: string): Promise<unknown> {
    return this.config.publisher.publish(this.config.channel, text);
  }

  async close(): Promise<void> {
    if (this.ping !== null) clearInterval(this.ping);
    const { subscriber, ownPublisher, connectTimeoutMs } = this.config;
    await Promise.all([subscriber, ownPublisher].map((client) => client && quit(client, connectTimeoutMs)));
  }

  /** Reports `connection` closing, and when it is ready again runs `resume` before saying it is back. */
  private watch(connection: OwnRedisConnection, resume: () => Promise<unknown>): void {
    connection.on('close', () => {
      this.down.add(connection);
      this.link.lost(this.lastError);
    });
    connection.on('ready', () => {
      if (!this.down.has(connection)) return;
      resume().then(
        () => {
          this.down.delete(connection);
          if (this.down.size > 0) return;
          this.lastError = undefined;
          this.link.restored();
        },
        (error: unknown) => this.link.debug(`could not subscribe again yet: ${(error as Error).message}`),
      );
    });
  }
}

/**
 * Closes a connection the broker opened: politely when it is up (bounded, as a half-open one never
 * answers), at once otherwise; either way ioredis stops reconnecting it.
 */
async function quit(client: OwnRedisConnection, timeoutMs: number): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await withTimeout(client.quit(), timeoutMs, 'QUIT').catch(() => client.disconnect());
}
