import { JobStoreError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/**
 * The part of a Redis client the store uses: one generic command call. An ioredis `Redis` instance
 * fits as it is; another client fits through a one-line adapter
 * (`{ call: (cmd, ...args) => nodeRedis.sendCommand([cmd, ...args.map(String)]) }`).
 */
export interface RedisClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/** A client this store opened itself, and so must close. */
export interface OwnedRedisClient extends RedisClient {
  quit(): Promise<unknown>;
  disconnect(): void;
  readonly status: string;
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return '(malformed URL)';
  }
}

/**
 * Opens an ioredis connection and waits until it is ready. A server that cannot be reached fails
 * within `connectTimeoutMs` with a `JobStoreError`, without retrying: a scheduler that is starting
 * should say so rather than hang. Once connected, the client reconnects on its own after a drop,
 * and commands issued while Redis is away fail after a couple of attempts instead of queueing forever.
 */
export async function connectRedis(
  url: string,
  connectTimeoutMs: number,
  logger: Logger,
  alias: string,
): Promise<OwnedRedisClient> {
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ Redis } = await import('ioredis'));
  } catch (cause) {
    throw new JobStoreError('RedisJobStore needs the "ioredis" package: npm install ioredis', {
      jobStore: alias,
      cause,
    });
  }
  let starting = true;
  let lastError: Error | undefined;
  let reported = false;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt: number) => (starting ? null : Math.min(attempt * 200, 2000)),
  });
  client.on('error', (error: Error) => {
    lastError = error;
    // One line per outage, not one per reconnection attempt.
    if (!starting && !reported) logger.error(`Redis job store "${alias}" lost its connection`, error);
    reported = true;
  });
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
      `Redis job store "${alias}" cannot connect to ${redactUrl(url)}: ${(cause as Error).message}`,
      { jobStore: alias, cause },
    );
  } finally {
    clearTimeout(timer);
  }
  starting = false;
  return client;
}

/** Closes a client politely when it is connected, and at once when it is not. */
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
