import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import { describeValue } from '../describe-value.js';
import { InvalidArgumentError } from '../errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { unknownOptionMessage } from '../unknown-option.js';
import { HOST_OPTION_KEYS, hostScheduler, type HostOptions } from './host.js';

/** Options of `attachScheduler`. */
export interface AttachOptions extends Omit<HostOptions, 'scheduler'> {
  /**
   * Signals that close the server and drain the scheduler. When the drain is done and no other
   * listener of that signal is left, the signal is raised again, so the process ends as it would
   * have (a listener of your own keeps it alive instead); a second signal while draining does that
   * at once. Default `['SIGINT', 'SIGTERM']`; `false` for none.
   */
  signals?: NodeJS.Signals[] | false;
  /**
   * Admin handlers mounted in this server (`adminMiddleware`, `adminRoutes`, `createAdmin`), closed
   * when the server begins to close: their open event streams would keep it from closing.
   */
  admin?: { close(): void } | { close(): void }[];
}

/** A scheduler attached to a server by `attachScheduler`. */
export interface AttachedScheduler {
  readonly scheduler: Scheduler;
  /**
   * Resolves once the scheduler has started (after the server began listening); rejects when a
   * declared job or the start failed. Unobserved, that rejection ends the process, as a server's
   * unhandled `'error'` does.
   */
  readonly started: Promise<void>;
  /** Closes the server (waiting for its open requests), then drains the scheduler. */
  close(): Promise<void>;
  /** Undoes `attachScheduler`: the server's `close` and the signals are left to you again. */
  detach(): void;
}

const IDLE_SWEEP_MS = 20;

const KNOWN = [...HOST_OPTION_KEYS.filter((key) => key !== 'scheduler'), 'signals', 'admin'];

/**
 * Runs `scheduler` with a Node server (the one `app.listen()` returns in Express, `serve()` in
 * `@hono/node-server`, or any `http`/`https`/`http2` server): adds the declared jobs now, starts
 * the scheduler when the server listens, and drains it when the server closes. `server.close(cb)`
 * calls `cb` only once the running jobs have finished and their run records are written (with
 * `wait: false`, once they are aborted); SIGINT and SIGTERM do the same close.
 *
 * @example
 * const scheduler = new Scheduler({ jobStores: { default: 'sqlite:///var/lib/app/jobs.sqlite' } });
 * const server = app.listen(3000);
 * attachScheduler(server, scheduler, {
 *   tasks: { 'send-report': sendReport },
 *   jobs: [{ func: 'send-report', trigger: 'cron', hour: 10, minute: 30, id: 'report' }],
 * });
 */
export function attachScheduler(
  server: Server,
  scheduler: Scheduler,
  options: AttachOptions = {},
): AttachedScheduler {
  const unknown = Object.keys(options ?? {}).find((key) => !KNOWN.includes(key));
  if (unknown !== undefined) {
    throw new InvalidArgumentError(unknownOptionMessage('attachScheduler', unknown, KNOWN), {
      field: unknown,
    });
  }
  const { signals = ['SIGINT', 'SIGTERM'], admin = [], ...hostOptions } = options ?? {};
  const signalList = readSignals(signals);
  const admins = Array.isArray(admin) ? admin : [admin];
  const hosted = hostScheduler('attachScheduler', { ...hostOptions, scheduler });
  // The error, if any, reaches the user through `started`.
  hosted.setUp().catch(() => undefined);

  let start: () => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    start = () => void hosted.start().then(resolve, reject);
  });
  if (server.listening) start();
  else server.once('listening', start);

  const serverClose = Object.prototype.hasOwnProperty.call(server, 'close') ? server.close : undefined;
  const originalClose = server.close;
  let closing: Promise<Error | undefined> | null = null;
  const closeAll = (): Promise<Error | undefined> =>
    (closing ??= (async () => {
      for (const handler of admins) handler.close();
      const error = await closeServer(server, originalClose);
      try {
        await hosted.drain();
      } finally {
        detach();
      }
      return error;
    })());

  server.close = function close(callback?: (error?: Error) => void) {
    closeAll().then(
      (error) => callback?.(error),
      (error: Error) => callback?.(error),
    );
    return this;
  };
  const onClosed = () => void closeAll().catch(() => undefined);
  server.once('close', onClosed);

  // Once drained, the signal is raised again for its default action (ending the process), unless
  // the app listens to it too. A second signal while draining does that at once: the way out when
  // a job will not finish.
  const reraise = (signal: NodeJS.Signals) => {
    for (const name of signalList) process.removeListener(name, onSignal);
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return reraise(signal);
    signalled = true;
    void closeAll()
      .catch(() => undefined)
      .then(() => reraise(signal));
  };
  for (const signal of signalList) process.on(signal, onSignal);

  let detached = false;
  function detach(): void {
    if (detached) return;
    detached = true;
    for (const signal of signalList) process.removeListener(signal, onSignal);
    server.removeListener('close', onClosed);
    server.removeListener('listening', start);
    if (serverClose === undefined) delete (server as Partial<Server>).close;
    else server.close = serverClose;
  }

  return {
    scheduler,
    started,
    close: async () => {
      const error = await closeAll();
      if (error !== undefined && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING')
        throw error;
    },
    detach,
  };
}

/**
 * Closes `server` with its own `close`, and until it has closed, ends each keep-alive connection as
 * soon as it is idle: `close()` ends only those idle at the call, and a connection whose response
 * finishes later (an event stream just ended, a slow request) would hold the server open until
 * its keep-alive timeout.
 */
function closeServer(server: Server, close: Server['close']): Promise<Error | undefined> {
  const closeIdle = (server as Partial<Pick<HttpServer, 'closeIdleConnections'>>).closeIdleConnections;
  const sweep =
    closeIdle === undefined ? undefined : setInterval(() => closeIdle.call(server), IDLE_SWEEP_MS).unref();
  return new Promise((resolve) =>
    close.call(server, (error?: Error) => {
      clearInterval(sweep);
      resolve(error);
    }),
  );
}

function readSignals(value: unknown): NodeJS.Signals[] {
  if (value === false) return [];
  if (
    !Array.isArray(value) ||
    value.some((signal) => typeof signal !== 'string' || !/^SIG[A-Z0-9]+$/.test(signal))
  ) {
    throw new InvalidArgumentError(
      `Invalid attachScheduler option signals ${describeValue(value)}: expected signal names such as ['SIGINT', 'SIGTERM'], or false`,
      { field: 'signals', value },
    );
  }
  return value as NodeJS.Signals[];
}
