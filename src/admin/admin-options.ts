import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describeValue } from '../describe-value.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Options of `createAdmin` and `serveAdmin`. Exactly one of `authorize`, `basicAuth` and
 * `insecure: true` must be given: the admin API changes jobs, so it never runs open by accident.
 */
export interface AdminOptions {
  /**
   * Your own check of each request (a session cookie, a bearer token, a client certificate...):
   * resolve to `true` to let it through, `false` to refuse it with 403. Served through Node (the
   * `listener`, `serveAdmin`), it also gets the Node request: Express's `req`, with what your
   * middleware put on it (`req.user`, `req.session`).
   */
  authorize?: AuthorizeHook;
  /** HTTP basic auth with one user: a request without these credentials gets 401. */
  basicAuth?: { username: string; password: string; realm?: string };
  /** No authentication at all: only for a server that nobody else can reach (local development). */
  insecure?: boolean;
  /** Show and serve everything, change nothing: actions are hidden and the API answers them with 403. Default false. */
  readOnly?: boolean;
  /** The path prefix the handler is mounted under, such as `'/admin'`. Default `''` (the root). */
  basePath?: string;
  /** Show job arguments in the API and the dashboard. Default false: args often hold secrets. */
  showArgs?: boolean;
  /**
   * The secret the CSRF token is derived from. Default: random per handler. Give the same secret to
   * every process behind one load balancer, so a page served by one is accepted by the others.
   */
  csrfSecret?: string;
  /**
   * Origins (`'https://ops.example.com'`) besides the request's own from which actions are accepted:
   * for a proxy that rewrites the Host header. Default none.
   */
  trustedOrigins?: string[];
  /** Largest request body accepted, in bytes; a bigger one gets 413. Default 65,536. */
  maxBodyBytes?: number;
  /** Jobs per page of the job list (dashboard and API default). Default 50. */
  pageSize?: number;
  /** The dashboard's title. Default `'Horae'`. */
  title?: string;
}

/** The `authorize` option: the Web request, and the Node one when served through Node. */
export type AuthorizeHook = (request: Request, nodeRequest?: IncomingMessage) => boolean | Promise<boolean>;

/** The options, checked and with their defaults. */
export interface AdminSettings {
  auth:
    | { kind: 'authorize'; authorize: AuthorizeHook }
    | { kind: 'basic'; username: string; password: string; realm: string }
    | { kind: 'insecure' };
  readOnly: boolean;
  basePath: string;
  showArgs: boolean;
  csrfToken: string;
  trustedOrigins: string[];
  maxBodyBytes: number;
  pageSize: number;
  title: string;
}

const KNOWN = [
  'authorize',
  'basicAuth',
  'insecure',
  'readOnly',
  'basePath',
  'showArgs',
  'csrfSecret',
  'trustedOrigins',
  'maxBodyBytes',
  'pageSize',
  'title',
];

function invalid(field: string, value: unknown, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `Invalid admin option ${field} ${describeValue(value)}: expected ${expected}`,
    {
      field,
      value,
    },
  );
}

/** Checks `options`; throws `InvalidArgumentError` naming the option that is wrong. */
export function readAdminOptions(options: AdminOptions | undefined): AdminSettings {
  if (options === null || typeof options !== 'object') {
    throw invalid('options', options, 'an object with authorize, basicAuth or insecure: true');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new InvalidArgumentError(
        `Unknown admin option "${key}"; known options are: ${KNOWN.join(', ')}`,
        {
          field: key,
        },
      );
    }
  }
  return {
    auth: readAuth(options),
    readOnly: readBoolean(options, 'readOnly'),
    basePath: readBasePath(options.basePath),
    showArgs: readBoolean(options, 'showArgs'),
    csrfToken: csrfToken(options.csrfSecret),
    trustedOrigins: readOrigins(options.trustedOrigins),
    maxBodyBytes: readPositiveInteger(options, 'maxBodyBytes', 65_536),
    pageSize: readPositiveInteger(options, 'pageSize', 50),
    title: readTitle(options.title),
  };
}

function readAuth(options: AdminOptions): AdminSettings['auth'] {
  const chosen = (['authorize', 'basicAuth', 'insecure'] as const).filter(
    (key) => options[key] !== undefined && options[key] !== false,
  );
  if (chosen.length !== 1) {
    throw new InvalidArgumentError(
      chosen.length === 0
        ? 'The admin handler needs a security choice: authorize (a function that checks each request), ' +
            'basicAuth ({ username, password }), or insecure: true for a server only you can reach'
        : `The admin handler takes one security choice, not ${chosen.join(' and ')}`,
      { field: 'authorize' },
    );
  }
  if (options.authorize !== undefined) {
    if (typeof options.authorize !== 'function') {
      throw invalid('authorize', options.authorize, 'a function (request) => boolean | Promise<boolean>');
    }
    return { kind: 'authorize', authorize: options.authorize };
  }
  if (options.basicAuth !== undefined) {
    const { username, password, realm } = options.basicAuth ?? {};
    if (typeof username !== 'string' || username === '' || username.includes(':')) {
      throw invalid('basicAuth.username', username, 'a non-empty string without ":"');
    }
    if (typeof password !== 'string' || password === '') {
      throw invalid('basicAuth.password', password, 'a non-empty string');
    }
    if (realm !== undefined && (typeof realm !== 'string' || /["\r\n]/.test(realm))) {
      throw invalid('basicAuth.realm', realm, 'a string without quotes or line breaks');
    }
    return { kind: 'basic', username, password, realm: realm ?? 'Horae' };
  }
  if (options.insecure !== true) throw invalid('insecure', options.insecure, 'true');
  return { kind: 'insecure' };
}

function readBoolean(options: AdminOptions, key: 'readOnly' | 'showArgs'): boolean {
  const value = options[key];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(key, value, 'true or false');
  return value;
}

function readPositiveInteger(
  options: AdminOptions,
  key: 'maxBodyBytes' | 'pageSize',
  fallback: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw invalid(key, value, 'a positive integer');
  return value;
}

function readBasePath(value: unknown): string {
  if (value === undefined || value === '' || value === '/') return '';
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+\/?$/.test(value)) {
    throw invalid('basePath', value, 'a path such as "/admin" (starting with "/", no query)');
  }
  return value.replace(/\/$/, '');
}

function readOrigins(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw invalid('trustedOrigins', value, 'an array of origins such as "https://ops.example.com"');
  return value.map((origin: unknown, index) => {
    let parsed: URL | null;
    try {
      parsed = typeof origin === 'string' ? new URL(origin) : null;
    } catch {
      parsed = null;
    }
    if (parsed === null || parsed.origin === 'null' || parsed.origin !== String(origin).replace(/\/$/, '')) {
      throw invalid(
        `trustedOrigins[${index}]`,
        origin,
        'an origin such as "https://ops.example.com" (no path)',
      );
    }
    return parsed.origin;
  });
}

function readTitle(value: unknown): string {
  if (value === undefined) return 'Horae';
  if (typeof value !== 'string' || value === '') throw invalid('title', value, 'a non-empty string');
  return value;
}

/** The CSRF token: derived from the secret, so the secret itself is never sent to a browser. */
function csrfToken(secret: unknown): string {
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16)) {
    throw invalid('csrfSecret', secret, 'a string of at least 16 characters');
  }
  const key = typeof secret === 'string' ? secret : randomBytes(32).toString('hex');
  return createHmac('sha256', key).update('horae-admin-csrf').digest('base64url');
}
