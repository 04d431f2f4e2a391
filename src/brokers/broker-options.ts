import { describeValue } from '../describe-value.js';
import { InvalidArgumentError } from '../errors.js';
import { findUnknownOption, unknownOptionMessage } from '../unknown-option.js';
import { EventBrokerError, type BrokerKind } from './broker-error.js';

/** The channel of a broker whose `channel` option is left out. */
export const DEFAULT_CHANNEL = 'horae';
/** Default `connectTimeout`: how long `start` (and each reconnection) may take to connect, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default `pingInterval` of the brokers that ping their listening connection, in ms. */
export const DEFAULT_PING_INTERVAL_MS = 30_000;

/**
 * Checks a broker's options object: `undefined` stands for `{}`, and a key that is not in `known`
 * (a misspelt option) throws `InvalidArgumentError` naming it.
 */
export function checkOptions<T extends object>(
  owner: string,
  options: T | undefined,
  known: readonly string[],
): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`${owner} options must be an object, not ${describeValue(options)}`, {
      value: options,
    });
  }
  const unknown = findUnknownOption(options, known);
  if (unknown !== undefined) {
    throw new InvalidArgumentError(unknownOptionMessage(owner, unknown, known), { field: unknown });
  }
  return options;
}

/**
 * The `channel` option: the default when absent, else a string that `problem` finds nothing wrong
 * with (it returns what is wrong, or `null`). Throws `InvalidArgumentError` with `field: 'channel'`.
 */
export function channelOption(
  owner: string,
  value: unknown,
  problem: (channel: string) => string | null,
): string {
  if (value === undefined) return DEFAULT_CHANNEL;
  const wrong = typeof value !== 'string' ? 'it is not a string' : problem(value);
  if (wrong === null) return value as string;
  throw new InvalidArgumentError(`Invalid ${owner} channel ${describeValue(value)}: ${wrong}`, {
    field: 'channel',
    value,
  });
}

/** A positive number of milliseconds, or `fallback` when absent. Throws `InvalidArgumentError` naming `name`. */
export function millisecondsOption(owner: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new InvalidArgumentError(
    `Invalid ${owner} ${name} ${describeValue(value)}: expected a positive number of milliseconds`,
    { field: name, value },
  );
}

/** A string option, or `undefined` when absent. Throws `InvalidArgumentError` naming `name`. */
export function stringOption(owner: string, name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidArgumentError(`Invalid ${owner} ${name} ${describeValue(value)}: expected a string`, {
    field: name,
    value,
  });
}

/**
 * A broker's driver, an optional peer dependency imported on the broker's first `start` (so that the
 * subpath loads without it). Throws `EventBrokerError` saying what to install when it is missing.
 */
export async function loadDriver<T>(
  broker: BrokerKind,
  owner: string,
  driver: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw new EventBrokerError(broker, `${owner} needs the "${driver}" package: npm install ${driver}`, {
      cause,
    });
  }
}
