import { Scheduler, type JobStore, type SchedulerOptions } from '../../../src/index.js';
import { serveAdmin, type AdminServer, type ServeAdminOptions } from '../../../src/admin/index.js';

/** A JSON response as the tests read it. */
export interface ApiReply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** A scheduler with tasks the tests schedule by name, and its admin server. */
export interface AdminFixture {
  scheduler: Scheduler;
  admin: AdminServer;
  /** The admin's URL without its trailing slash: `http://127.0.0.1:PORT/admin`. */
  base: string;
  /** The CSRF token, read from the API as a client would. */
  token: string;
  /** Calls the API with the CSRF token (unless `headers` overrides it). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply>;
  /** How often each task ran. */
  ran: Map<string, number>;
  close(): Promise<void>;
}

/** The error the `fail` task throws: markup and quotes, to check escaping. */
export const FAIL_MESSAGE = '<b>boom</b> & "quoted"';

export async function parseReply(response: Response): Promise<ApiReply> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: the test reads the text.
  }
  return { status: response.status, body, headers: response.headers };
}

/**
 * Starts a scheduler on `store` (memory when absent) with the tasks `ok`, `fail` and `hold` (which
 * waits until `release()`), and serves its admin handler on a free port. `schedulerOptions` are
 * added to the scheduler's (a node id, a short heartbeat).
 */
export async function startAdmin(
  options: Partial<ServeAdminOptions> & { store?: JobStore; schedulerOptions?: SchedulerOptions } = {},
): Promise<AdminFixture & { release(): void }> {
  const { store, schedulerOptions, ...adminOptions } = options;
  const scheduler = new Scheduler({
    timezone: 'Asia/Shanghai',
    ...(store === undefined ? {} : { jobStores: { default: store } }),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...schedulerOptions,
  });
  const ran = new Map<string, number>();
  const count = (name: string) => ran.set(name, (ran.get(name) ?? 0) + 1);
  let releaseHold: () => void = () => undefined;
  let held = new Promise<void>((resolve) => (releaseHold = resolve));
  await scheduler.registerTask('ok', () => {
    count('ok');
    return 'done';
  });
  await scheduler.registerTask('fail', () => {
    count('fail');
    throw new Error(FAIL_MESSAGE);
  });
  await scheduler.registerTask('hold', async () => {
    count('hold');
    await held;
  });
  await scheduler.start();
  const chosen = adminOptions.authorize !== undefined || adminOptions.basicAuth !== undefined;
  const admin = await serveAdmin(scheduler, {
    port: 0,
    ...(chosen ? {} : { insecure: true }),
    ...adminOptions,
  });
  const base = admin.url.replace(/\/$/, '');
  const tokenReply = await fetch(`${base}/api/csrf-token`, { headers: authHeaders(adminOptions) });
  const token = tokenReply.ok ? ((await tokenReply.json()) as { token: string }).token : '';
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    parseReply(
      await fetch(`${base}${path}`, {
        method,
        headers: {
          ...authHeaders(adminOptions),
          'x-horae-csrf': token,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  return {
    scheduler,
    admin,
    base,
    token,
    api,
    ran,
    release: () => {
      releaseHold();
      held = new Promise<void>((resolve) => (releaseHold = resolve));
    },
    close: async () => {
      releaseHold();
      await admin.close();
      if (scheduler.state !== 'stopped') await scheduler.shutdown();
    },
  };
}

/** The Authorization header for `basicAuth` options, if any. */
export function authHeaders(options: Partial<ServeAdminOptions>): Record<string, string> {
  if (options.basicAuth === undefined) return {};
  const { username, password } = options.basicAuth;
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}
