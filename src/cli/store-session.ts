// How a command reaches the jobs in a store: a Scheduler on the store, started paused so that it
// never claims or runs a due job (another scheduler may be running on the same store), and shut
// down when the command is done.
import type { Logger } from '../logger.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { CliUsageError, errorLine } from './cli-errors.js';

/** The options every store command takes. */
export interface StoreOptions {
  store?: string;
  baseDir?: string;
}

/** `--store`, else `HORAE_STORE`; a `CliUsageError` when neither is given. */
export function storeUrl(options: StoreOptions): string {
  const url = options.store ?? process.env.HORAE_STORE;
  if (url === undefined || url.trim() === '') {
    throw new CliUsageError(
      'No job store given: pass --store <url> (such as sqlite:///var/lib/horae/jobs.sqlite or ' +
        'postgres://user@host/db) or set HORAE_STORE',
      { field: 'store' },
    );
  }
  return url.trim();
}

/**
 * Warnings and errors to stderr, one line each without a stack: a command's output is for a person
 * or a script, and the scheduler's own messages must not bury it.
 */
export const cliLogger: Logger = {
  debug() {},
  info() {},
  warn(message, ...details) {
    process.stderr.write(`horae: warning: ${withDetail(message, details)}\n`);
  },
  error(message, ...details) {
    process.stderr.write(`horae: ${withDetail(message, details)}\n`);
  },
};

function withDetail(message: string, details: unknown[]): string {
  const detail = details[0];
  return detail === undefined ? message : `${message}: ${errorLine(detail)}`;
}

/**
 * A scheduler on the store behind `options`, started paused: it never looks for due jobs, so it
 * claims and runs nothing, while `runJob` still works (executors take runs once a scheduler has
 * started). A store that cannot be reached or read rejects with its `JobStoreError`.
 */
export async function openStore(options: StoreOptions, logger: Logger = cliLogger): Promise<Scheduler> {
  const scheduler = new Scheduler({
    jobStores: { default: storeUrl(options) },
    logger,
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
  });
  await scheduler.start({ paused: true });
  return scheduler;
}

/**
 * Calls `work` with a scheduler on the store (see `openStore`), then shuts it down, waiting for any
 * run `work` started, whatever `work` did.
 */
export async function withStore<T>(
  options: StoreOptions,
  work: (scheduler: Scheduler) => Promise<T>,
  logger?: Logger,
): Promise<T> {
  const scheduler = await openStore(options, logger);
  try {
    return await work(scheduler);
  } finally {
    await scheduler.shutdown();
  }
}
