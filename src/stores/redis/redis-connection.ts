import { JobStoreError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { withTimeout } from '../no-reply.js';
import { redactUrl } from '../redact-url.js';

/**
 * The part of a Redis client the store uses: one generic command call. An ioredis `Redis` instance
 * fits as it is; another client fits through a one-line adapter
 * (`{ call: (cmd, ...args) => nodeRedis.sendCommand([cmd, ...args.map(String)]) }`).
 */
export interface RedisClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /**
   * `true` for a Redis Cluster client (ioredis's `Cluster` says so itself): the store then keeps
   * all its keys in one hash slot (see `RedisJobStore`).
   */
  readonly isCluster?: boolean;
}

/** A client this store opened itself, and so must close. */
export interface OwnedRedisClient extends RedisClient {
  quit(): Promise<unknown>;
  disconnect(): void;
  readonly status: string;
}

/** Default bound on one command's round trip, in ms (option or URL parameter `commandTimeout`). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** Idle time before TCP keepalive probes start. */
const KEEPALIVE_DELAY_MS = 30_000;
/** How long a closing connection may wait for the server's goodbye before it is destroyed. */
const DISCONNECT_GRACE_MS = 1_000;

/**
 * The command timeout a store uses: its option, else the URL's `commandTimeout` parameter, else
 * the default. Throws `JobStoreError` naming the bad value.
 */
export function commandTimeoutOf(url: string | undefined, option: unknown): number {
  if (option !== undefined) {
    const shown = typeof option === 'number' ? String(option) : JSON.stringify(option);
    return checkTimeout(option, `commandTimeout ${shown}`);
  }
  const text = url === undefined ? null : (parseUrl(url)?.searchParams.get('commandTimeout') ?? null);
  if (text === null) return DEFAULT_COMMAND_TIMEOUT_MS;
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  return checkTimeout(value, `commandTimeout=${JSON.stringify(text)} in the URL`);
}

function checkTimeout(value: unknown, shown: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new JobStoreError(`Redis job store: invalid ${shown}: expected a positive number of milliseconds`);
}

/**
 * A client passed in, with every call bounded by `timeoutMs`, so a connection gone silent is reported
 * instead of hanging the scheduler. (The client's own connection is its owner's to repair.)
 */
export function boundedClient(client: RedisClient, timeoutMs: number): RedisClient {
  return {
    call: (command, ...args) =>
      withTimeout(client.call(command, ...args), timeoutMs, `${command}, commandTimeout`),
    isCluster: client.isCluster === true,
  };
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** ioredis, the optional peer dependency of RedisJobStore, imported on first use. */
export async function loadIoredis(
  alias: string,
): Promise<{ Redis: typeof import('ioredis').Redis; Cluster: typeof import('ioredis').Cluster }> {
  try {
    return await import('ioredis');
  } catch (cause) {
    throw new JobStoreError('RedisJobStore needs the "ioredis" package: npm install ioredis', {
      jobStore: alias,
      cause,
    });
  }
}

/**
 * Opens an ioredis connection and waits until it is ready. A server that cannot be reached fails
 * within `connectTimeoutMs` with a `JobStoreError`, without retrying: a scheduler that is starting
 * should say so rather than hang. Once connected, the client reconnects on its own after a drop,
 * and commands issued while Redis is away fail after a couple of attempts instead of queueing forever.
 *
 * A connection that goes silent without closing (half-open) is caught by `commandTimeoutMs`: a
 * command without a reply by then fails, and its socket is destroyed so the client reconnects
 * (ioredis's `commandTimeout` alone fails the command but keeps the dead socket). Sockets have
 * TCP keepalive. The URL's `commandTimeout` parameter is taken out before ioredis reads the URL.
 */
export async function connectRedis(
  url: string,
  connectTimeoutMs: number,
  logger: Logger,
  alias: string,
  commandTimeoutMs: number = DEFAULT_COMMAND_TIMEOUT_MS,
): Promise<OwnedRedisClient> {
  const { Redis } = await loadIoredis(alias);
  return openOwnedClient({
    alias,
    logger,
    connectTimeoutMs,
    shown: redactUrl(url),
    make: (isStarting) =>
      new Redis(withoutOwnParams(url), {
        ...redisClientSettings(connectTimeoutMs, commandTimeoutMs),
        lazyConnect: true,
        retryStrategy: (attempt: number) => (isStarting() ? null : Math.min(attempt * 200, 2000)),
      }),
  });
}

/** The settings of every connection the store opens to one Redis server (a node, for a cluster). */
export function redisClientSettings(connectTimeoutMs: number, commandTimeoutMs: number) {
  return {
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    socketTimeout: commandTimeoutMs,
    keepAlive: KEEPALIVE_DELAY_MS,
    disconnectTimeout: DISCONNECT_GRACE_MS,
    maxRetriesPerRequest: 2,
  };
}

/** An ioredis `Redis` or `Cluster` made with `lazyConnect`, as `openOwnedClient` drives it. */
interface LazyClient extends OwnedRedisClient {
  connect(): Promise<unknown>;
  on(event: string, listener: (error: Error) => void): unknown;
}

/**
 * Connects the client `make` returns and waits until it is ready, within `connectTimeoutMs`;
 * `isStarting()` tells its retry strategy not to retry until then. A failure disconnects it and
 * throws `JobStoreError` naming `shown` (the server, without a password). Afterwards, the first
 * error of each outage is logged (a cluster's node errors too), not one per reconnection attempt.
 */
export async function openOwnedClient(open: {
  alias: string;
  logger: Logger;
  connectTimeoutMs: number;
  shown: string;
  make: (isStarting: () => boolean) => LazyClient;
}): Promise<OwnedRedisClient> {
  const { alias, logger, connectTimeoutMs } = open;
  let starting = true;
  let lastError: Error | undefined;
  let reported = false;
  const client = open.make(() => starting);
  const onError = (error: Error) => {
    lastError = error;
    if (!starting && !reported) logger.error(`Redis job store "${alias}" lost its connection`, error);
    reported = true;
  };
  client.on('error', onError);
  client.on('node error', onError);
  client.on('ready', () => {
    reported = false;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${connectTimeoutMs} ms`)),
          connectTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? error;
    throw new JobStoreError(
      `Redis job store "${alias}" cannot connect to ${open.shown}: ${(cause as Error).message}`,
      { jobStore: alias, cause },
    );
  } finally {
    clearTimeout(timer);
  }
  starting = false;
  return client;
}

function withoutOwnParams(url: string): string {
  const parsed = parseUrl(url);
  if (parsed === null || !parsed.searchParams.has('commandTimeout')) return url;
  parsed.searchParams.delete('commandTimeout');
  return parsed.href;
}

/**
 * Closes a client politely when it is connected, and at once when it is not. QUIT is bounded by the
 * command timeout, and a connection that does not close within a second of it is destroyed.
 */
export async function closeRedis(client: OwnedRedisClient): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
