// How a command reaches the jobs in a store: a Scheduler on the store in the client role, so it
// never claims, holds or runs a job (other schedulers may be running on the same store), shut down
// when the command is done.
import { hostname } from 'node:os';
import type { Logger } from '../logger.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { CliUsageError, errorLine } from './cli-errors.js';

/** The options every store command takes. */
export interface StoreOptions {
  store?: string;
  baseDir?: string;
}

/**
 * The node id of this command's scheduler: readable in `horae nodes` from another shell, and known
 * here, so a listing can leave this command's own node out. One command runs one session at a time.
 */
export const CLI_NODE_ID = `${hostname()}:${process.pid}:horae-cli`;

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

/** How a command's scheduler is made. */
export interface SessionOptions {
  logger?: Logger;
  /**
   * `'client'` (default): it claims, holds and runs nothing, and `runJob` hands the run to the
   * cluster's workers through the store. `'both'` only for `horae job run-now --here`, which runs
   * the job in this process: started paused, it still never looks for due jobs or handed-over runs.
   */
  role?: 'client' | 'both';
}

/**
 * A scheduler on the store behind `options`, in the client role and paused besides (a paused
 * node shows as such in the dashboard's header). Like any node it beats in the store while the
 * command runs (`horae nodes` elsewhere lists it, as a client), and its beat records the runs of
 * dead nodes as interrupted, as every node's does. A store that cannot be reached or read rejects
 * with its `JobStoreError`.
 */
export async function openStore(options: StoreOptions, session: SessionOptions = {}): Promise<Scheduler> {
  const scheduler = new Scheduler({
    jobStores: { default: storeUrl(options) },
    logger: session.logger ?? cliLogger,
    role: session.role ?? 'client',
    nodeId: CLI_NODE_ID,
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
  session?: SessionOptions,
): Promise<T> {
  const scheduler = await openStore(options, session);
  try {
    return await work(scheduler);
  } finally {
    await scheduler.shutdown();
  }
}
