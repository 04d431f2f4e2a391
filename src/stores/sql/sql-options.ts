import { JobStoreError } from '../../errors.js';
import { redactUrl } from '../redact-url.js';

/** The connection options PostgreSQL and MySQL stores share: exactly one way to reach the server. */
export interface ServerOptions {
  url?: string;
  pool?: unknown;
  config?: Record<string, unknown>;
  connectTimeout?: number;
  statementTimeout?: number;
}

/** Checks a server store's options; returns the parsed URL when one was given. Throws `JobStoreError`. */
export function checkServerOptions(label: string, options: ServerOptions): URL | null {
  if (options === null || typeof options !== 'object') {
    throw new JobStoreError(`${label} job store needs options: { url }, { pool } or { config }`);
  }
  const given = [options.url, options.pool, options.config].filter((value) => value !== undefined);
  if (given.length !== 1) {
    throw new JobStoreError(`${label} job store needs exactly one of \`url\`, \`pool\` or \`config\``);
  }
  checkMilliseconds(label, 'connectTimeout', options.connectTimeout);
  checkMilliseconds(label, 'statementTimeout', options.statementTimeout);
  if (options.url === undefined) return null;
  try {
    return new URL(options.url);
  } catch (cause) {
    throw new JobStoreError(`Malformed ${label} URL ${JSON.stringify(redactUrl(String(options.url)))}`, {
      cause,
    });
  }
}

/** Throws `JobStoreError` unless `value` is absent or a positive, finite number of milliseconds. */
export function checkMilliseconds(label: string, name: string, value: unknown): void {
  if (value === undefined || (typeof value === 'number' && Number.isFinite(value) && value > 0)) return;
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  throw new JobStoreError(
    `${label} job store: invalid ${name} ${shown}: expected a positive number of milliseconds`,
  );
}

/**
 * A millisecond option read from a URL's query string: absent stays undefined, anything but a
 * positive number throws `JobStoreError` naming the parameter and the text found.
 */
export function millisecondsParam(label: string, name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value > 0)) {
    throw new JobStoreError(
      `${label} URL: invalid ${name}=${JSON.stringify(text)}: expected a positive number of milliseconds`,
    );
  }
  return value;
}

/** The target in messages: the URL without password, or host:port/database of a config. */
export function describeServer(label: string, options: ServerOptions, defaultPort: number): string {
  if (options.url !== undefined) return `${label} at ${redactUrl(options.url)}`;
  if (options.config !== undefined) {
    const { host = 'localhost', port = defaultPort, database = '' } = options.config;
    return `${label} at ${String(host)}:${String(port)}/${String(database)}`;
  }
  return `${label} pool passed in`;
}

/**
 * Splits a store URL: the store's own query options (`keys`) are taken out; the rest of the URL is
 * the driver's connection string. Throws `JobStoreError` when it names no host.
 */
export function splitServerUrl(
  label: string,
  url: URL,
  keys: readonly string[],
): { connection: string; options: Record<string, string> } {
  const connection = new URL(url.href);
  const options: Record<string, string> = {};
  for (const key of keys) {
    const value = connection.searchParams.get(key);
    connection.searchParams.delete(key);
    if (value !== null) options[key] = value;
  }
  if (connection.hostname === '' && !connection.searchParams.has('host')) {
    throw new JobStoreError(`${label} URL ${JSON.stringify(redactUrl(url.href))} names no host`);
  }
  return { connection: connection.href, options };
}
