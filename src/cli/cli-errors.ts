// What a failed command prints and the exit code it ends with: 2 for input the user can fix by
// typing something else, 1 for everything else (a store that does not answer, an unknown job id, a
// failed run). One line each, never a stack trace.
import {
  FunctionLookupError,
  HoraeError,
  InvalidArgumentError,
  InvalidTriggerError,
  SerializationError,
} from '../errors.js';

/** Exit code of a command given bad input: an unknown option, a malformed cron line, a bad duration. */
export const EXIT_USAGE = 2;
/** Exit code of a command that failed: an unreachable store, an unknown job id, a failed run. */
export const EXIT_FAILURE = 1;

/**
 * Bad command-line input that the options' own parsers do not catch: a missing `--store`, a
 * duration such as `5 parsecs`, two triggers at once. `field` names the option.
 */
export class CliUsageError extends HoraeError {
  readonly field: string | undefined;
  constructor(message: string, details: { field?: string; cause?: unknown } = {}) {
    super('ERR_CLI_USAGE', message, { cause: details.cause });
    this.field = details.field;
  }
}

/**
 * A command that ran and failed in a way its output already explained (a failed run, a doctor
 * finding): exit 1 without printing anything more.
 */
export class CommandFailed extends HoraeError {
  constructor(message: string) {
    super('ERR_CLI_FAILED', message);
  }
}

/** The exit code `error` ends the process with. */
export function exitCodeOf(error: unknown): number {
  const usage =
    error instanceof CliUsageError ||
    error instanceof InvalidTriggerError ||
    error instanceof InvalidArgumentError ||
    error instanceof SerializationError ||
    error instanceof FunctionLookupError;
  return usage ? EXIT_USAGE : EXIT_FAILURE;
}

/**
 * `error` as one line for a person: its message, and that of its cause when it adds something (a
 * driver's "connect ECONNREFUSED 127.0.0.1:5432" behind "PostgreSQL job store: cannot connect").
 */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let line = oneLine(error.message);
  const cause = error.cause;
  if (cause instanceof Error) {
    const detail = oneLine(cause.message || cause.name);
    if (detail !== '' && !line.includes(detail)) line += ` (${detail})`;
  }
  // An error of our own names itself by its message; another's class name says what it was.
  return error instanceof HoraeError || error.name === 'Error' ? line : `${error.name}: ${line}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
