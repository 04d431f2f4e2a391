import type { Hono } from 'hono';
import { AdminDependencyError, type AdminHandler, type CreateAdminOptions } from '../admin/index.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { isUnder, mountMismatch, mountedAdmin } from './admin-mount.js';

export { attachScheduler, type AttachOptions, type AttachedScheduler } from './node-server.js';
export type { JobDeclaration } from './host.js';

/** The admin API and dashboard as Hono routes (`adminRoutes`). */
export type AdminRoutes = Hono & {
  /** The admin handler the routes serve. */
  readonly admin: AdminHandler;
  /** Ends the open event streams (pass the routes to `attachScheduler`'s `admin` to have it done). */
  close(): void;
};

/**
 * The admin API and dashboard of `scheduler` as a Hono app, to mount with
 * `app.route(basePath, await adminRoutes(scheduler, { basePath, ... }))` (`basePath` default
 * `/admin`) behind the app's own middleware (`app.use('/admin/*', ...)`). `createAdmin`'s options
 * apply, a security choice included. Requests are handed to the admin handler as they are, so this
 * works on every runtime Hono runs on; under `@hono/node-server`, `attachScheduler` runs the
 * scheduler with the server. Mounted at another path than its `basePath`, it fails each request
 * with an `InvalidArgumentError` saying so.
 *
 * Asynchronous because it loads Hono (so `horae/hono` itself loads without it): rejects with
 * `AdminDependencyError` when `hono` or `@hono/node-server` is not installed, and with
 * `InvalidArgumentError` for bad options.
 *
 * @example
 * app.use('/admin/*', basicAuth({ username: 'ops', password }));
 * app.route('/admin', await adminRoutes(scheduler, { basePath: '/admin', insecure: true }));
 */
export async function adminRoutes(scheduler: Scheduler, options: CreateAdminOptions): Promise<AdminRoutes> {
  const admin = mountedAdmin('adminRoutes', scheduler, options);
  await admin.ready();
  const { Hono } = await import('hono').catch((cause: unknown) => {
    throw new AdminDependencyError(cause);
  });
  const routes = new Hono();
  const forward = (request: Request) => {
    const { pathname } = new URL(request.url);
    if (!isUnder(pathname, admin.basePath)) throw mountMismatch('adminRoutes', admin.basePath, pathname);
    return admin.fetch(request);
  };
  routes.all('/', (c) => forward(c.req.raw));
  routes.all('/*', (c) => forward(c.req.raw));
  return Object.assign(routes, { admin, close: () => admin.close() });
}
