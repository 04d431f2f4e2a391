import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify';
import type { AdminHandler, CreateAdminOptions } from '../admin/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { unknownOptionMessage } from '../unknown-option.js';
import { mountedAdmin } from './admin-mount.js';
import { HOST_OPTION_KEYS, hostScheduler, type HostOptions } from './host.js';

export type { JobDeclaration, HostOptions } from './host.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Horae scheduler of this app (`horae/fastify`). */
    scheduler: Scheduler;
  }
}

/** The admin API and dashboard mounted by `horaePlugin`: `createAdmin`'s options, and the app's guard. */
export interface FastifyAdminOptions extends CreateAdminOptions {
  /**
   * The app's own authentication for the admin routes: `onRequest` hooks run before each of them
   * (a request they answer never reaches the admin handler). Hooks the app added before registering
   * the plugin apply as well.
   */
  onRequest?: onRequestHookHandler | onRequestHookHandler[];
}

/** Options of `horaePlugin`. */
export interface HoraePluginOptions extends HostOptions {
  /** Mount the admin API and dashboard under `admin.basePath` (default `/admin`). Default: not mounted. */
  admin?: FastifyAdminOptions;
}

// Options Fastify itself passes to every plugin beside the plugin's own.
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers'];
const KNOWN = [...HOST_OPTION_KEYS, 'admin'];

async function horae(fastify: FastifyInstance, options: HoraePluginOptions): Promise<void> {
  const unknown = Object.keys(options ?? {}).find(
    (key) => !KNOWN.includes(key) && !FASTIFY_KEYS.includes(key),
  );
  if (unknown !== undefined) {
    throw new InvalidArgumentError(unknownOptionMessage('horae/fastify', unknown, KNOWN), { field: unknown });
  }
  const { admin: adminOptions, ...hostOptions } = options ?? {};
  const hosted = hostScheduler('horae/fastify', hostOptions);
  // Every option is checked before anything changes: the admin's too.
  const { onRequest, ...handlerOptions } = adminOptions ?? {};
  const admin =
    adminOptions === undefined ? null : mountedAdmin('horae/fastify', hosted.scheduler, handlerOptions);
  await admin?.ready();
  await hosted.setUp();
  fastify.decorate('scheduler', hosted.scheduler);
  fastify.addHook('onReady', () => hosted.start());
  fastify.addHook('onClose', () => hosted.drain());
  if (admin !== null) {
    // Before the server closes: an open event stream would keep it waiting.
    fastify.addHook('preClose', async () => admin.close());
    await fastify.register(adminRoutes, { admin, onRequest });
  }
}

/**
 * The admin routes, in a plugin of their own: there (and only there) request bodies are left
 * unparsed for the handler, which reads them itself.
 */
async function adminRoutes(
  instance: FastifyInstance,
  { admin, onRequest }: { admin: AdminHandler; onRequest: FastifyAdminOptions['onRequest'] },
): Promise<void> {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (_request, _payload, done) => done(null));
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await admin.listener(request.raw, reply.raw);
  };
  const base = admin.basePath;
  for (const url of [base === '' ? '/' : base, `${base}/*`]) {
    instance.all(url, onRequest === undefined ? {} : { onRequest }, handler);
  }
}

/**
 * The Horae plugin for Fastify 5: decorates the app with its scheduler (`fastify.scheduler`),
 * adds the declared `jobs`, starts the scheduler when the app is ready (`onReady`) and drains it
 * when the app closes (`onClose`: `fastify.close()` resolves once the running jobs have finished
 * and their records are written). Registered like `fastify-plugin` plugins, so the decorator is
 * seen by the whole app. With `admin`, it also serves the admin API and dashboard under
 * `admin.basePath` (default `/admin`), behind the app's hooks and `admin.onRequest`.
 *
 * Bad options reject `register` with `InvalidArgumentError` (or the error of the bad job).
 *
 * @example
 * await fastify.register(horaePlugin, {
 *   scheduler: { jobStores: { default: 'sqlite:///var/lib/app/jobs.sqlite' } },
 *   tasks: { 'send-report': sendReport },
 *   jobs: [{ func: 'send-report', trigger: 'cron', hour: 10, minute: 30, id: 'report' }],
 *   admin: { basePath: '/admin', authorize: (request) => isOps(request) },
 * });
 * await fastify.listen({ port: 3000 });
 */
export const horaePlugin: FastifyPluginAsync<HoraePluginOptions> = Object.assign(horae, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'horae',
  [Symbol.for('plugin-meta')]: { name: 'horae', fastify: '>=5' },
});
