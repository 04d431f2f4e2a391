import { InvalidArgumentError } from '../../errors.js';
import type { BrokerMessage } from '../../events/event-broker.js';
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
import { MAX_PAYLOAD_BYTES, toPayload } from './postgres-payload.js';
import {
  PostgresSession,
  type PostgresBrokerClient,
  type PostgresNotifyPool,
  type PostgresSessionConfig,
} from './postgres-session.js';

export interface PostgresEventBrokerOptions {
  /**
   * The server, `postgres://user:password@host:5432/database` (pg's connection-string parameters,
   * such as `sslmode`, work). Without `url` or `client`, pg's defaults: the `PG*` environment
   * variables, else localhost:5432.
   */
  url?: string;
  /**
   * Makes each connection the broker opens, instead of `url`: a new pg `Client`, not connected
   * (`() => new pg.Client({ host, user, ssl })`). Called at `start` and after each outage.
   */
  client?: () => PostgresBrokerClient;
  /**
   * A pg `Pool` to send the `NOTIFY`s through (one short statement per message; no connection is
   * held), such as the job store's. Not ended by the broker. Without it the broker keeps a second
   * connection of its own for them. The `LISTEN` connection is never taken from a pool.
   */
  pool?: PostgresNotifyPool;
  /**
   * The `LISTEN`/`NOTIFY` channel every node of the cluster uses: an identifier (letters, digits
   * and `_`, not starting with a digit, at most 63 characters), case kept. Default `'horae'`.
   */
  channel?: string;
  /** Milliseconds to connect and `LISTEN`, at `start` and at each reconnection. Default 5000. */
  connectTimeout?: number;
  /**
   * Milliseconds between pings of the listening connection; one without an answer by the next
   * marks the connection dead (a half-open connection never says so). Default 30000.
   */
  pingInterval?: number;
}

const OWNER = 'PostgresEventBroker';
const KNOWN = ['url', 'client', 'pool', 'channel', 'connectTimeout', 'pingInterval'] as const;
/** PostgreSQL's longest identifier (NAMEDATALEN - 1). */
const MAX_CHANNEL_LENGTH = 63;

type ClientConstructor = new (config: Record<string, unknown>) => PostgresBrokerClient;

/**
 * An event broker on PostgreSQL's `LISTEN`/`NOTIFY`, through pg (an optional peer dependency,
 * loaded on the first `start`). Every node connects to the same database server (any database on
 * it: channels are per database) and the same `channel`.
 *
 * A message must fit in one `NOTIFY` payload (under 8000 bytes): an event too large is sent
 * without its error stacks, then without its largest fields (see `toPayload`); anything still too
 * large is dropped with a debug line.
 *
 * @example
 * import { PostgresEventBroker } from 'horae/brokers/postgres';
 * const scheduler = new Scheduler({
 *   jobStores: { default: new PostgresJobStore({ url }) },
 *   eventBroker: new PostgresEventBroker({ url }),
 * });
 */
export class PostgresEventBroker extends BaseEventBroker {
  private readonly url: string | undefined;
  private readonly client: (() => PostgresBrokerClient) | undefined;
  private readonly pool: PostgresNotifyPool | undefined;
  private readonly channel: string;
  private readonly connectTimeoutMs: number;
  private readonly pingIntervalMs: number;

  constructor(options?: PostgresEventBrokerOptions) {
    const given = checkOptions(OWNER, options, KNOWN);
    const url = stringOption(OWNER, 'url', given.url);
    if (given.client !== undefined && typeof given.client !== 'function') {
      throw new InvalidArgumentError(`${OWNER} option client must be a function that makes a pg Client`, {
        field: 'client',
        value: given.client,
      });
    }
    if (url !== undefined && given.client !== undefined) {
      throw new InvalidArgumentError(`${OWNER} takes \`url\` or \`client\`, not both`, { field: 'client' });
    }
    if (given.pool !== undefined && typeof given.pool?.query !== 'function') {
      throw new InvalidArgumentError(`${OWNER} option pool must be a pg Pool (an object with query())`, {
        field: 'pool',
      });
    }
    const server =
      url !== undefined
        ? redactUrl(url)
        : given.client !== undefined
          ? 'the server of its client factory'
          : "pg's default server (PGHOST)";
    super('postgres', 'PostgreSQL event broker', server);
    this.url = url;
    this.client = given.client;
    this.pool = given.pool;
    this.channel = channelOption(OWNER, given.channel, channelProblem);
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
    const config: PostgresSessionConfig = {
      channel: this.channel,
      makeClient: this.client ?? (await this.ownClients()),
      pool: this.pool,
      connectTimeoutMs: this.connectTimeoutMs,
      pingIntervalMs: this.pingIntervalMs,
    };
    try {
      return await PostgresSession.open(link, config);
    } catch (cause) {
      throw new EventBrokerError(
        'postgres',
        `${this.name} cannot listen on ${this.server}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  protected override encode(message: BrokerMessage, link: BrokerLink): string | null {
    const payload = toPayload(message);
    if (payload === null) {
      link.debug(
        `dropped a ${message.kind} message larger than a NOTIFY payload (${MAX_PAYLOAD_BYTES} bytes)`,
      );
      return null;
    }
    if (payload.trimmed.length > 0) {
      link.debug(`sent an event without ${payload.trimmed.join(', ')}, to fit in a NOTIFY payload`);
    }
    return payload.text;
  }

  /** Makes the broker's own connections: pg, loaded now, with TCP keepalive and a connect timeout. */
  private async ownClients(): Promise<() => PostgresBrokerClient> {
    const pg = await loadDriver('postgres', OWNER, 'pg', () => import('pg'));
    const Client = (pg as unknown as { default: { Client: ClientConstructor } }).default.Client;
    return () =>
      new Client({
        ...(this.url === undefined ? {} : { connectionString: this.url }),
        application_name: 'horae-broker',
        connectionTimeoutMillis: this.connectTimeoutMs,
        keepAlive: true,
        keepAliveInitialDelayMillis: 30_000,
      });
  }
}

function channelProblem(channel: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(channel)) {
    return 'a PostgreSQL channel is an identifier: letters, digits and _, not starting with a digit';
  }
  if (channel.length > MAX_CHANNEL_LENGTH)
    return `PostgreSQL identifiers have at most ${MAX_CHANNEL_LENGTH} characters`;
  return null;
}
