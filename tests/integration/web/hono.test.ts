// horae/hono on a real @hono/node-server server: attachScheduler runs the declared jobs and drains
// on close; adminRoutes serves the dashboard under a prefix behind the app's own middleware.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, silentLogger } from '../../../src/index.js';
import { adminRoutes, attachScheduler } from '../../../src/web/hono.js';
import { waitUntil } from '../../helpers/wait.js';
import { heldJob, settle, sqliteFixture, storedRuns } from './web-harness.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  const steps = cleanup.reverse();
  cleanup = [];
  for (const step of steps) await step();
});

async function origin(server: Server): Promise<string> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const credentials = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('horae/hono', () => {
  it('runs the declared jobs and drains a running one when the server closes', async () => {
    const sqlite = sqliteFixture();
    cleanup.push(() => sqlite.remove());
    const held = heldJob();
    const ran: number[] = [];
    const scheduler = new Scheduler(sqlite.options());
    const app = new Hono();
    app.get('/jobs', async (c) => c.json((await scheduler.getJobs()).map((job) => job.id).sort()));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    const attached = attachScheduler(server, scheduler, {
      signals: false,
      tasks: { held: held.fn, tick: () => ran.push(1) },
      jobs: [
        { func: 'held', trigger: 'interval', hours: 1, nextRunTime: new Date(), id: 'held-job' },
        { func: 'tick', trigger: 'interval', seconds: 0.05, id: 'tick' },
      ],
    });
    await attached.started;
    expect(await (await fetch(`${await origin(server)}/jobs`)).json()).toEqual(['held-job', 'tick']);
    await waitUntil(() => held.running && ran.length >= 2, 'the held job to start and tick to run twice');

    let closed = false;
    const closing = new Promise<void>((resolve) => server.close(() => resolve())).then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    held.release();
    await closing;
    expect(scheduler.state).toBe('stopped');
    const runs = await storedRuns(sqlite.path, 'held-job');
    expect(runs.map((run) => [run.outcome, run.returnValue])).toEqual([['success', 'drained']]);
  });

  it('serves the dashboard with app.route under a prefix, behind the app own middleware', async () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    await scheduler.registerTask('report', () => 'sent');
    await scheduler.addJob('report', 'cron', { hour: 10, minute: 30, id: 'report', name: 'Daily report' });
    const admin = await adminRoutes(scheduler, { basePath: '/ops', insecure: true });
    const app = new Hono();
    app.use('/ops/*', basicAuth({ username: 'ops', password: 'secret' }));
    app.route('/ops', admin);
    app.get('/hello', (c) => c.text('host app'));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    const attached = attachScheduler(server, scheduler, { signals: false, admin });
    cleanup.push(() => attached.close());
    await attached.started;
    const base = await origin(server);
    const ops = credentials('ops', 'secret');

    const page = await fetch(`${base}/ops`, { headers: ops });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('href="/ops/jobs');
    expect(await (await fetch(`${base}/ops/jobs`, { headers: ops })).text()).toContain('Daily report');

    for (const path of ['/ops', '/ops/jobs', '/ops/api/jobs']) {
      const refused = await fetch(`${base}${path}`, { headers: credentials('ops', 'wrong') });
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('www-authenticate'), path).toMatch(/^Basic/);
    }
    expect(await (await fetch(`${base}/hello`)).text()).toBe('host app');

    const { token } = (await (await fetch(`${base}/ops/api/csrf-token`, { headers: ops })).json()) as {
      token: string;
    };
    const patched = await fetch(`${base}/ops/api/jobs/report`, {
      method: 'PATCH',
      headers: { ...ops, 'content-type': 'application/json', 'x-horae-csrf': token, origin: base },
      body: JSON.stringify({ name: 'Renamed' }),
    });
    expect(patched.status).toBe(200);
    expect((await scheduler.getJob('report'))?.name).toBe('Renamed');

    const events = await fetch(`${base}/ops/api/events`, { headers: ops });
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    await attached.close();
    expect(scheduler.state).toBe('stopped');
  });

  it('fails each request when mounted at another path than its basePath', async () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    const app = new Hono();
    let reported: unknown;
    app.onError((error, c) => {
      reported = error;
      return c.text('misconfigured', 500);
    });
    app.route('/elsewhere', await adminRoutes(scheduler, { insecure: true }));
    const response = await app.request('/elsewhere/jobs');
    expect(response.status).toBe(500);
    expect(String(reported)).toMatch(/basePath "\/admin" but is mounted at "\/elsewhere\/jobs"/);
  });
});
