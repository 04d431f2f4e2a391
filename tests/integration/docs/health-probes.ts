import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scheduler } from '../../../src/index.js';

/** `/livez` and `/readyz`: 200 when the scheduler is live (ready), else 503, with its health as JSON. */
export function healthProbes(scheduler: Scheduler) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.url !== '/livez' && request.url !== '/readyz') {
      response.writeHead(404).end();
      return;
    }
    const health = await scheduler.health({ timeoutMs: 1000 });
    const ok = request.url === '/livez' ? health.live : health.ready;
    response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify(health));
  };
}
