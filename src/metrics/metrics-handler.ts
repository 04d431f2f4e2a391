// The scrape endpoint: a node:http request handler, and a middleware for Express (or Connect) and
// Hono that answers one path and passes every other request on.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the endpoint serves: the metrics' text and its Content-Type. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** A node:http request handler; Express takes it as a route handler too. */
export type MetricsRequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** The parts of a Hono context the middleware reads. */
interface HonoContext {
  req: { path: string; method: string };
}

/**
 * A middleware for Express or Connect (`(req, res, next)`) and for Hono (`(c, next)`): it answers
 * a GET or HEAD of its path with the metrics and passes every other request to `next`.
 */
export type MetricsMiddleware = {
  (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void;
  (context: HonoContext, next: () => Promise<void>): Promise<Response | void>;
};

/**
 * Answers every GET or HEAD with the metrics (mount it on the path you scrape), 405 to other
 * methods, and 500 with the error's message when collecting fails.
 */
export function metricsRequestHandler(source: MetricsSource): MetricsRequestHandler {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      response.end('Method Not Allowed\n');
      return;
    }
    source.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': source.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(
          `Collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      },
    );
  };
}

/** The middleware of `path` (see `MetricsMiddleware`). */
export function metricsMiddleware(source: MetricsSource, path: string): MetricsMiddleware {
  const handle = metricsRequestHandler(source);
  const scrape = (method: string) => method === 'GET' || method === 'HEAD';
  function middleware(...args: unknown[]): void | Promise<Response | void> {
    if (typeof args[1] === 'function') {
      const [context, next] = args as [HonoContext, () => Promise<void>];
      if (context.req.path !== path || !scrape(context.req.method)) return next();
      return source.metrics().then(
        (text) =>
          new Response(context.req.method === 'HEAD' ? null : text, {
            headers: { 'content-type': source.contentType },
          }),
        (error: unknown) =>
          new Response(
            `Collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`,
            {
              status: 500,
            },
          ),
      );
    }
    const [request, response, next] = args as [IncomingMessage, ServerResponse, (error?: unknown) => void];
    // Express sets `path`; node:http and Connect have only `url`, with its query string.
    const requestPath = (request as { path?: string }).path ?? (request.url ?? '').split('?')[0];
    if (requestPath !== path || !scrape(request.method ?? '')) {
      next();
      return;
    }
    handle(request, response);
  }
  return middleware as MetricsMiddleware;
}
