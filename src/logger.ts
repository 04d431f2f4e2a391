/**
 * The logging interface Horae writes to. Pass any logger with these four methods (pino, winston,
 * `console`) as the scheduler's `logger` option; the default prints warnings and errors to stderr.
 */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

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
