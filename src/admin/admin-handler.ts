import type { IncomingMessage, ServerResponse } from 'node:http';
import { HoraeError } from '../errors.js';
import { defaultLogger, type Logger } from '../logger.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { AdminApp } from './admin-app.js';
import { readAdminOptions, type AdminOptions } from './admin-options.js';

/**
 * `hono` or `@hono/node-server`, the optional peer dependencies of `horae/admin`, is not installed.
 */
export class AdminDependencyError extends HoraeError {
  constructor(cause: unknown) {
    super(
      'ERR_ADMIN_DEPENDENCY',
      'horae/admin needs the "hono" and "@hono/node-server" packages: npm install hono @hono/node-server',
      { cause },
    );
  }
}

/**
 * The admin API and dashboard of one scheduler, as a request handler to mount in any server:
 * `fetch` for Hono, Bun, Deno and anything that speaks Web `Request`/`Response`; `listener` for
 * Node's `http.createServer`, Express and Fastify.
 */
export interface AdminHandler {
  /** Answers one Web request. */
  fetch(request: Request): Promise<Response>;
  /**
   * Answers one Node request: `http.createServer(admin.listener)`, `expressApp.use('/admin', admin.listener)`.
   * Inside Express it reads the whole path from `originalUrl`, and a body an earlier parser consumed
   * from `body`.
   */
  readonly listener: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** The base path the routes are under (`''` or `'/admin'`, ...). */
  readonly basePath: string;
  /**
   * Loads the handler's dependencies (Hono), which the first request does otherwise. Rejects with
   * `AdminDependencyError` when they are not installed: await it at start-up to learn that early.
   */
  ready(): Promise<void>;
  /** Ends the open event streams and stops listening to the scheduler. */
  close(): void;
}

/** `createAdmin`'s options: `AdminOptions` and where unexpected errors are logged. */
export interface CreateAdminOptions extends AdminOptions {
  /** Where failures of the handler itself (500s) are logged. Default: Horae's default logger. */
  logger?: Logger;
}

/**
 * Makes the admin handler of `scheduler`. Throws `InvalidArgumentError` when the options are
 * wrong, and when none of `authorize`, `basicAuth` or `insecure: true` is given.
 *
 * @example
 * const admin = createAdmin(scheduler, { basicAuth: { username: 'ops', password: process.env.ADMIN_PASSWORD! } });
 * await admin.ready();
 * http.createServer(admin.listener).listen(8080);
 */
export function createAdmin(scheduler: Scheduler, options: CreateAdminOptions): AdminHandler {
  const { logger = defaultLogger, ...adminOptions } = options ?? {};
  const settings = readAdminOptions(options === undefined || options === null ? options : adminOptions);
  let app: AdminApp | null = null;
  let loading: Promise<AdminApp> | null = null;
  const load = (): Promise<AdminApp> => {
    loading ??= import('./admin-app.js').then(
      (module) => (app = module.buildAdminApp(scheduler, settings, logger)),
      (cause: unknown) => {
        throw new AdminDependencyError(cause);
      },
    );
    return loading;
  };
  return {
    fetch: async (request) => (app ?? (await load())).fetch(request),
    listener: async (request, response) => (app ?? (await load())).listener(request, response),
    basePath: settings.basePath,
    ready: async () => void (await load()),
    close: () => app?.events.close(),
  };
}
