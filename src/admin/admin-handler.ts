import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { defaultLogger, type Logger } from '../logger.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { readAdminOptions, type AdminOptions } from './admin-options.js';
import { apiRoutes } from './api-routes.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { html } from './dashboard/html.js';
import { EventHub } from './event-stream.js';
import { errorResponse, responseForError, statusOf } from './http-errors.js';
import { actionGuard, authentication } from './security.js';

/**
 * The admin API and dashboard of one scheduler, as a request handler to mount in any server:
 * `fetch` for Hono, Bun, Deno and anything that speaks Web `Request`/`Response`; `listener` for
 * Node's `http.createServer`, Express and Fastify.
 */
export interface AdminHandler {
  /** The Hono app, with every route under `basePath`. Mount it in a Hono app with `app.route('/', admin.app)`. */
  readonly app: Hono;
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
 * http.createServer(admin.listener).listen(8080);
 */
export function createAdmin(scheduler: Scheduler, options: CreateAdminOptions): AdminHandler {
  const { logger = defaultLogger, ...adminOptions } = options ?? {};
  const settings = readAdminOptions(options === undefined || options === null ? options : adminOptions);
  const events = new EventHub(scheduler);
  const base = settings.basePath;
  // Not strict: `/admin` and `/admin/` are the same page.
  const root = new Hono({ strict: false });
  const app = base === '' ? root : root.basePath(base);

  app.use('*', authentication(settings));
  app.use('*', actionGuard(settings));
  apiRoutes(app, scheduler, settings, events);
  dashboardRoutes(app, scheduler, settings);

  root.onError((error, c) => {
    const status = statusOf(error);
    if (status === null) logger.error('Admin handler failed', error);
    if (new URL(c.req.url).pathname.startsWith(`${base}/api/`)) return responseForError(error);
    const text = status === null ? 'Something went wrong; the server log has the details.' : error.message;
    return c.html(
      html`<!doctype html>
        <html lang="en">
          <meta charset="utf-8" /><title>Error</title>
          <h1>${status ?? 500}</h1>
          <p>${text}</p>
          <p><a href="${base}/jobs">Back to the jobs</a></p>
        </html>`.text,
      (status ?? 500) as 400,
    );
  });
  root.notFound((c) =>
    new URL(c.req.url).pathname.startsWith(`${base}/api/`)
      ? errorResponse(404, 'ERR_NOT_FOUND', 'No such admin API route')
      : c.text('Not found', 404),
  );

  const fetch = async (request: Request) => root.fetch(request);
  const nodeListener = getRequestListener(fetch);
  return {
    app: root,
    fetch,
    listener: (request, response) => nodeListener(asMounted(request), response),
    basePath: base,
    close: () => events.close(),
  };
}

/**
 * A Node request as the handler reads it inside another framework: Express's `app.use('/admin', ...)`
 * strips the prefix from `url` and keeps the whole path in `originalUrl`; a body parser that ran
 * first leaves the stream consumed and the body parsed in `body`, which is given back as `rawBody`.
 */
function asMounted(request: IncomingMessage): IncomingMessage {
  const host = request as IncomingMessage & { originalUrl?: unknown; body?: unknown; rawBody?: unknown };
  if (typeof host.originalUrl === 'string') host.url = host.originalUrl;
  if (host.readableEnded && host.body !== undefined && !(host.rawBody instanceof Buffer)) {
    host.rawBody = Buffer.from(typeof host.body === 'string' ? host.body : JSON.stringify(host.body));
  }
  return request;
}
