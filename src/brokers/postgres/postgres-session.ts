import { NoReplyError, withTimeout } from '../../stores/no-reply.js';
import type { BrokerSession } from '../base-event-broker.js';
import type { BrokerLink } from '../broker-link.js';

/**
 * The part of a pg `Client` the broker uses; a `new pg.Client(...)`, not yet connected, fits as it
 * is. `client` factories return one.
 */
export interface PostgresBrokerClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<unknown>;
  on(event: 'notification', listener: (notification: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** The part of a pg `Pool` the broker uses to send its `NOTIFY`s. */
export interface PostgresNotifyPool {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

export interface PostgresSessionConfig {
  channel: string;
  /** A new client, not yet connected: one for `LISTEN` (again after each outage), one for `NOTIFY`. */
  makeClient: () => PostgresBrokerClient;
  /** Sends the `NOTIFY`s instead of a client of the session's own. */
  pool: PostgresNotifyPool | undefined;
  connectTimeoutMs: number;
  pingIntervalMs: number;
}

/** First delay before reconnecting after an outage, doubled at each failed attempt up to the cap. */
const RETRY_FIRST_MS = 100;
const RETRY_CAP_MS = 5_000;
const NOTIFY = 'SELECT pg_notify($1, $2)';

function ignore(): void {}

/**
 * One dedicated connection that `LISTEN`s on the channel (never one of a pool: a pool would hand it
 * to someone else, or close it when idle), and one more for `NOTIFY` unless a pool is given. pg does
 * not reconnect by itself: when the listening connection fails, or does not answer a ping within
 * `pingIntervalMs` (a half-open connection), the session opens another, with capped exponential
 * backoff, and `LISTEN`s again. The `NOTIFY` connection is opened again on the next message.
 */
export class PostgresSession implements BrokerSession {
  private listener: PostgresBrokerClient | null = null;
  private notifier: { client: PostgresBrokerClient; ready: Promise<unknown> } | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private ping: ReturnType<typeof setInterval> | null = null;
  private attempts = 0;
  private closed = false;

  private constructor(
    private readonly link: BrokerLink,
    private readonly config: PostgresSessionConfig,
  ) {}

  /** Connects and listens; rejects, with everything closed again, when that fails. */
  static async open(link: BrokerLink, config: PostgresSessionConfig): Promise<PostgresSession> {
    const session = new PostgresSession(link, config);
    const [listening, notifying] = await Promise.allSettled([
      session.listen(),
      config.pool === undefined ? session.notifyClient() : null,
    ]);
    if (listening.status === 'fulfilled' && notifying.status === 'fulfilled') {
      session.adopt(listening.value);
      return session;
    }
    await session.close();
    if (listening.status === 'fulfilled') await session.end(listening.value);
    throw listening.status === 'rejected' ? listening.reason : (notifying as PromiseRejectedResult).reason;
  }

  async write(text: string): Promise<unknown> {
    const params = [this.config.channel, text];
    if (this.config.pool !== undefined) return this.config.pool.query(NOTIFY, params);
    const client = await this.notifyClient();
    try {
      return await withTimeout(client.query(NOTIFY, params), this.config.connectTimeoutMs, 'NOTIFY');
    } catch (error) {
      if (error instanceof NoReplyError) this.forgetNotifier(client);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    if (this.ping !== null) clearInterval(this.ping);
    const clients = [this.listener, this.notifier?.client];
    this.listener = null;
    this.notifier = null;
    await Promise.all(clients.map((client) => (client ? this.end(client) : null)));
  }

  /** A new client, connected and listening. */
  private async listen(): Promise<PostgresBrokerClient> {
    const { channel, connectTimeoutMs } = this.config;
    const client = this.config.makeClient();
    client.on('error', (error) => this.drop(client, error));
    client.on('end', () => this.drop(client, new Error('the server closed the connection')));
    client.on('notification', (notification) => {
      if (client === this.listener && notification.channel === channel)
        this.link.receive(notification.payload ?? '');
    });
    try {
      await withTimeout(client.connect(), connectTimeoutMs, 'connecting');
      // The channel option is checked to be an identifier: quoting keeps its case, as pg_notify does.
      await withTimeout(client.query(`LISTEN "${channel}"`), connectTimeoutMs, 'LISTEN');
    } catch (error) {
      void this.end(client);
      throw error;
    }
    return client;
  }

  /** Makes `client` the listening connection, and pings it. */
  private adopt(client: PostgresBrokerClient): void {
    this.listener = client;
    const { pingIntervalMs } = this.config;
    this.ping = setInterval(() => {
      withTimeout(client.query('SELECT 1'), pingIntervalMs, 'ping').catch((error: unknown) =>
        this.drop(client, error as Error),
      );
    }, pingIntervalMs);
  }

  /** The listening connection `client` failed: report the outage and reconnect. */
  private drop(client: PostgresBrokerClient, error: Error): void {
    if (client !== this.listener || this.closed) return;
    this.listener = null;
    if (this.ping !== null) clearInterval(this.ping);
    this.ping = null;
    this.link.lost(error);
    void this.end(client);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    // Jittered, so that the nodes of a cluster do not all come back at the same moment.
    const delay = Math.min(RETRY_FIRST_MS * 2 ** this.attempts, RETRY_CAP_MS) * (0.8 + Math.random() * 0.4);
    this.attempts += 1;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    let client: PostgresBrokerClient;
    try {
      client = await this.listen();
    } catch (error) {
      if (this.closed) return;
      this.link.lost(error);
      this.reconnectLater();
      return;
    }
    if (this.closed) {
      void this.end(client);
      return;
    }
    this.attempts = 0;
    this.adopt(client);
    this.link.restored();
  }

  /** The `NOTIFY` connection, opened now when there is none. */
  private async notifyClient(): Promise<PostgresBrokerClient> {
    if (this.notifier === null) {
      const client = this.config.makeClient();
      const forget = () => this.forgetNotifier(client);
      client.on('error', forget);
      client.on('end', forget);
      const ready = withTimeout(client.connect(), this.config.connectTimeoutMs, 'connecting');
      ready.catch(forget);
      this.notifier = { client, ready };
    }
    const { client, ready } = this.notifier;
    await ready;
    return client;
  }

  private forgetNotifier(client: PostgresBrokerClient): void {
    if (this.notifier?.client !== client) return;
    this.notifier = null;
    void this.end(client);
  }

  /**
   * Ends `client`, within the connect timeout: pg waits for the server's goodbye, which a dead
   * connection never sends (pg destroys the socket itself when a query is still waiting, as after
   * a ping without an answer).
   */
  private async end(client: PostgresBrokerClient): Promise<void> {
    await withTimeout(client.end(), this.config.connectTimeoutMs, 'closing').catch(ignore);
  }
}
