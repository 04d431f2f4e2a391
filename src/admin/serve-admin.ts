import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scheduler } from '../scheduler/scheduler.js';
import { createAdmin, type AdminHandler, type CreateAdminOptions } from './admin-handler.js';

/** `serveAdmin`'s options: the handler's, and where to listen. */
export interface ServeAdminOptions extends CreateAdminOptions {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Address to listen on. Default `'127.0.0.1'` (this machine only). */
  hostname?: string;
}

/** A running admin server. */
export interface AdminServer {
  readonly server: Server;
  readonly handler: AdminHandler;
  /** `http://127.0.0.1:8080/admin`: where the dashboard is. */
  readonly url: string;
  /** Ends the event streams and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves the admin API and dashboard of `scheduler` on its own HTTP server, in one call. Listens
 * on 127.0.0.1 unless `hostname` says otherwise. Resolves once the server listens; rejects with
 * `AdminDependencyError` when `hono` or `@hono/node-server` is not installed.
 *
 * @example
 * const admin = await serveAdmin(scheduler, { port: 8080, basicAuth: { username: 'ops', password } });
 * console.log(`dashboard at ${admin.url}`);
 */
export async function serveAdmin(scheduler: Scheduler, options: ServeAdminOptions): Promise<AdminServer> {
  const { port = 8080, hostname = '127.0.0.1', ...handlerOptions } = options;
  const handler = createAdmin(scheduler, handlerOptions);
  await handler.ready();
  const server = createServer((request, response) => void handler.listener(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    handler,
    url: `http://${host}:${address.port}${handler.basePath}/`,
    close: async () => {
      handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
