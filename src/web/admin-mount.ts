import { createAdmin, type AdminHandler, type CreateAdminOptions } from '../admin/index.js';
import { InvalidArgumentError } from '../errors.js';
import { describeValue } from '../describe-value.js';
import type { Scheduler } from '../scheduler/scheduler.js';

/** The prefix the integrations mount the admin API and dashboard under when `basePath` is not given. */
export const DEFAULT_ADMIN_PATH = '/admin';

/**
 * The admin handler of `scheduler` for an integration to mount: `createAdmin`'s options, with
 * `basePath` defaulting to `/admin` (a mounted dashboard needs a prefix its links can carry).
 */
export function mountedAdmin(owner: string, scheduler: Scheduler, options: CreateAdminOptions): AdminHandler {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(
      `Invalid ${owner} admin options ${describeValue(options)}: expected createAdmin's options ` +
        '(authorize, basicAuth or insecure: true, and basePath)',
      { field: 'admin', value: options },
    );
  }
  return createAdmin(scheduler, { ...options, basePath: options.basePath ?? DEFAULT_ADMIN_PATH });
}

/** Whether `path` (a URL's path) is `basePath` or under it. */
export function isUnder(path: string, basePath: string): boolean {
  return basePath === '' || path === basePath || path.startsWith(`${basePath}/`);
}

/** The error a handler mounted at a path other than its `basePath` answers with. */
export function mountMismatch(owner: string, basePath: string, mountedAt: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${owner} was given basePath "${basePath}" but is mounted at "${mountedAt}": ` +
      'give basePath the path you mount it under, so its links and routes match',
    { field: 'basePath', value: basePath },
  );
}
