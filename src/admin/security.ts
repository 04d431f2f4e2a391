import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { AdminSettings } from './admin-options.js';
import { errorResponse } from './http-errors.js';

/** The header that carries the CSRF token on every action. */
export const CSRF_HEADER = 'x-horae-csrf';

/** Methods that never change anything; every other method is an action. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Compares two strings in time independent of where they differ (hashes first: equal lengths). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Refuses a request its security choice does not let through: 401 with a basic-auth challenge, or
 * 403 when the `authorize` hook says no (or throws).
 */
export function authentication(settings: AdminSettings): MiddlewareHandler {
  const { auth } = settings;
  return async (c, next) => {
    if (auth.kind === 'basic') {
      if (!basicCredentialsMatch(c.req.header('authorization'), auth.username, auth.password)) {
        const response = errorResponse(401, 'ERR_UNAUTHORIZED', 'Authentication required');
        response.headers.set('www-authenticate', `Basic realm="${auth.realm}", charset="UTF-8"`);
        return response;
      }
    } else if (auth.kind === 'authorize') {
      let allowed: boolean;
      try {
        const node = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
        allowed = (await auth.authorize(c.req.raw, node)) === true;
      } catch {
        allowed = false;
      }
      if (!allowed) return errorResponse(403, 'ERR_FORBIDDEN', 'This request is not authorized');
    }
    await next();
  };
}

function basicCredentialsMatch(header: string | undefined, username: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (match === null) return false;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always: which part was wrong must not show in the time taken.
  const userOk = sameSecret(decoded.slice(0, colon), username);
  const passwordOk = sameSecret(decoded.slice(colon + 1), password);
  return userOk && passwordOk;
}

/**
 * Guards actions (every method but GET, HEAD and OPTIONS): refused with 403 in read-only mode;
 * otherwise the request must come from the dashboard's own origin (or a trusted one) when the
 * browser says where it comes from, and carry the CSRF token in the `x-horae-csrf` header. A
 * cross-site page can neither read the token nor send a custom header without a CORS preflight,
 * which this handler never grants.
 */
export function actionGuard(settings: AdminSettings): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    if (settings.readOnly) {
      return errorResponse(403, 'ERR_READ_ONLY', 'The admin handler is read-only: actions are disabled');
    }
    const origin = c.req.header('origin');
    const own = new URL(c.req.url).origin;
    if (origin !== undefined && origin !== own && !settings.trustedOrigins.includes(origin)) {
      return errorResponse(403, 'ERR_CSRF', `Actions from origin ${origin} are not accepted`);
    }
    const site = c.req.header('sec-fetch-site');
    if (origin === undefined && site !== undefined && site !== 'same-origin' && site !== 'none') {
      return errorResponse(403, 'ERR_CSRF', `Actions from a ${site} page are not accepted`);
    }
    const token = c.req.header(CSRF_HEADER);
    if (token === undefined || !sameSecret(token, settings.csrfToken)) {
      return errorResponse(
        403,
        'ERR_CSRF',
        `Missing or wrong CSRF token: send the token of GET api/csrf-token in the ${CSRF_HEADER} header`,
      );
    }
    await next();
  };
}
