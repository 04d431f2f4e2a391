import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AdminHandler, CreateAdminOptions } from '../admin/index.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { mountMismatch, mountedAdmin } from './admin-mount.js';

export { attachScheduler, type AttachOptions, type AttachedScheduler } from './node-server.js';
export type { JobDeclaration } from './host.js';

/** The admin API and dashboard as Express middleware (`adminMiddleware`). */
export interface AdminMiddleware extends RequestHandler {
  /** The admin handler it serves. */
  readonly admin: AdminHandler;
  /** Ends the open event streams (pass the middleware to `attachScheduler`'s `admin` to have it done). */
  close(): void;
}

/**
 * The admin API and dashboard of `scheduler` as Express middleware, to mount under
 * `options.basePath` (default `/admin`) after the app's own authentication:
 * `app.use('/admin', requireLogin, adminMiddleware(scheduler, { authorize }))`. It reads bodies
 * itself, so `express.json()` before it does no harm. Mounted at another path than its `basePath`,
 * it passes an `InvalidArgumentError` to `next` saying so. `createAdmin`'s options apply, a security
 * choice included: with the app's middleware in front, `authorize` gets Express's request (its
 * second argument) to check what that middleware found.
 *
 * @example
 * const admin = adminMiddleware(scheduler, { basePath: '/admin', authorize: (_request, req) => isOps(req) });
 * app.use('/admin', requireLogin, admin);
 * attachScheduler(app.listen(3000), scheduler, { admin });
 */
export function adminMiddleware(scheduler: Scheduler, options: CreateAdminOptions): AdminMiddleware {
  const admin = mountedAdmin('adminMiddleware', scheduler, options);
  const middleware = (request: Request, response: Response, next: NextFunction) => {
    // Express strips the mount path from `url`; `baseUrl` is where this middleware is mounted.
    if (request.baseUrl !== admin.basePath) {
      next(mountMismatch('adminMiddleware', admin.basePath, request.baseUrl || '/'));
      return;
    }
    admin.listener(request, response).catch(next);
  };
  return Object.assign(middleware, { admin, close: () => admin.close() });
}
