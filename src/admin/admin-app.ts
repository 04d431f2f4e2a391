// The Hono app of the admin handler. Loaded by `createAdmin` on first use, so that `horae/admin`
// itself loads without its optional peer dependencies (hono, @hono/node-server).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../logger.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { AdminSettings } from './admin-options.js';
import { apiRoutes } from './api-routes.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { html } from './dashboard/html.js';
import { EventHub } from './event-stream.js';
import { errorResponse, responseForError, statusOf } from './http-errors.js';
import { actionGuard, authentication } from './security.js';

/** The admin app, ready to answer requests. */
export interface AdminApp {
  fetch(request: Request, env?: unknown): Promise<Response>;
  listener(request: IncomingMessage, response: ServerResponse): Promise<void>;
  events: EventHub;
}

export function buildAdminApp(scheduler: Scheduler, settings: AdminSettings, logger: Logger): AdminApp {
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
      (status ?? 500) as ContentfulStatusCode,
    );
  });
  root.notFound((c) =>
    new URL(c.req.url).pathname.startsWith(`${base}/api/`)
      ? errorResponse(404, 'ERR_NOT_FOUND', 'No such admin API route')
      : c.text('Not found', 404),
  );

  // `env` is @hono/node-server's `{ incoming, outgoing }` when served through Node.
  const fetch = async (request: Request, env?: unknown) => root.fetch(request, env);
  const nodeListener = getRequestListener(fetch);
  return { fetch, listener: (request, response) => nodeListener(asMounted(request), response), events };
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
