import { InvalidArgumentError } from './errors.js';
import { describeValue as describe } from './describe-value.js';

/**
 * The logging interface Horae writes to: a message, then the details (usually the `Error` that
 * caused it). Pass `console`, a winston logger or a pino logger as the scheduler's `logger` option
 * as they are; any other object with these four methods works too. The default prints warnings and
 * errors to stderr.
 *
 * pino takes its arguments the other way round (`logger.error(err, message)`, and drops an error
 * given after the message), and winston drops a detail that is not an object (a job that throws a
 * string): the scheduler recognises both and calls each its own way.
 *
 * @example
 * const scheduler = new Scheduler({ logger: pino() });
 */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Warnings and errors to `console.error` with a `[horae]` prefix; debug and info are dropped. */
export const defaultLogger: Logger = {
  debug() {},
  info() {},
  warn(message, ...details) {
    console.error(`[horae] ${message}`, ...details);
  },
  error(message, ...details) {
    console.error(`[horae] ${message}`, ...details);
  },
};

/** A logger that drops everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

// Every pino logger, child loggers included, carries this registered symbol.
const PINO_SERIALIZERS = Symbol.for('pino.serializers');

/**
 * Checks that `value` can serve as a `Logger` and returns the logger Horae should call: the value
 * itself, or for pino and winston an adapter that arranges the details as each expects. Throws
 * `InvalidArgumentError` naming `field` and the missing methods, so a bad logger fails when it is
 * configured rather than later, as an uncaught exception in the middle of a run.
 */
export function toLogger(value: unknown, field = 'logger'): Logger {
  const candidate = value as Record<string, unknown> | null;
  const missing =
    candidate === null || (typeof candidate !== 'object' && typeof candidate !== 'function')
      ? [...LEVELS]
      : LEVELS.filter((level) => typeof candidate[level] !== 'function');
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `Invalid ${field} ${describe(value)}: expected an object with debug, info, warn and error methods ` +
        `(such as console, a pino or a winston logger); missing ${missing.join(', ')}`,
      { field, value },
    );
  }
  const logger = value as Logger;
  if (PINO_SERIALIZERS in logger) return adapt(logger, pinoArguments);
  if (isWinston(logger)) return adapt(logger, winstonArguments);
  return logger;
}

type Arrange = (message: string, details: unknown[]) => unknown[];

/** A logger that calls `logger`'s own methods (read at each call: pino swaps them on a level change). */
function adapt(logger: Logger, arrange: Arrange): Logger {
  const at =
    (level: (typeof LEVELS)[number]) =>
    (message: string, ...details: unknown[]): void => {
      (logger[level] as (...args: unknown[]) => void).apply(logger, arrange(message, details));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * pino reads `(message, err)` as a format string and an unused argument, and drops the error. An
 * error goes first, where pino serializes it (type, message, stack) under its error key; other
 * details go under `details`.
 */
const pinoArguments: Arrange = (message, details) => {
  if (details.length === 0) return [message];
  if (details.length === 1 && details[0] instanceof Error) return [details[0], message];
  return [{ details }, message];
};

/** winston's loggers, child loggers included, have these methods of its own. */
function isWinston(logger: Logger): boolean {
  const methods = logger as unknown as Record<string, unknown>;
  return ['log', 'startTimer', 'profile'].every((name) => typeof methods[name] === 'function');
}

/**
 * winston merges one object (an error's message and stack included) into the log entry but drops a
 * string or number, as when a job throws `'timeout'`; those go under `details`.
 */
const winstonArguments: Arrange = (message, details) => {
  const [only] = details;
  if (details.length === 0 || (details.length === 1 && typeof only === 'object' && only !== null)) {
    return [message, ...details];
  }
  return [message, { details }];
};
