// The admin handler mounted under /admin in each framework the docs give a recipe for, with the
// host app's own routes (and, for Express, its JSON body parser) beside it. Each recipe here is
// the one in docs/admin.md.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/index.js';
import { createAdmin, serveAdmin, type AdminHandler } from '../../../src/admin/index.js';
import { parseReply } from './harness.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function schedulerWithJob(): Promise<Scheduler> {
  const scheduler = new Scheduler({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
  await scheduler.registerTask('ok', () => 'done');
  await scheduler.start();
  await scheduler.addJob('ok', 'interval', { id: 'mounted', name: 'Mounted job', hours: 1 });
  cleanup.push(() => scheduler.shutdown());
  return scheduler;
}

function listening(server: Server): Promise<string> {
  return new Promise((resolve) => {
    const done = () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (server.listening) done();
    else server.once('listening', done);
  });
}

/** What every mounting must do: pages, API reads, an action with a body, events, the host's own route. */
async function checkMounted(origin: string, scheduler: Scheduler): Promise<void> {
  const page = await fetch(`${origin}/admin/jobs`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Mounted job');
  expect(html).toContain('href="/admin/jobs/mounted?jobStore=default"');
  expect(html).toContain('src="/admin/assets/dashboard.js"');
  expect((await fetch(`${origin}/admin/assets/dashboard.js`)).headers.get('content-type')).toContain(
    'javascript',
  );
  expect((await fetch(`${origin}/admin`)).status).toBe(200);

  const token = ((await (await fetch(`${origin}/admin/api/csrf-token`)).json()) as { token: string }).token;
  const list = await parseReply(await fetch(`${origin}/admin/api/jobs`));
  expect(list.body.jobs.map((job: { id: string }) => job.id)).toEqual(['mounted']);
  const patched = await parseReply(
    await fetch(`${origin}/admin/api/jobs/mounted`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-horae-csrf': token, origin },
      body: JSON.stringify({ name: 'Renamed through the mount', trigger: { type: 'interval', minutes: 5 } }),
    }),
  );
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  expect((await scheduler.getJob('mounted'))?.name).toBe('Renamed through the mount');
  expect((await fetch(`${origin}/admin/api/jobs/mounted/pause`, { method: 'POST' })).status).toBe(403);

  const controller = new AbortController();
  const events = await fetch(`${origin}/admin/api/events`, { signal: controller.signal });
  expect(events.headers.get('content-type')).toContain('text/event-stream');
  const first = await (events.body as ReadableStream<Uint8Array>).getReader().read();
  expect(new TextDecoder().decode(first.value)).toContain('event: ready');
  controller.abort();

  expect(await (await fetch(`${origin}/hello`)).text()).toBe('host app');
}

function adminFor(scheduler: Scheduler): AdminHandler {
  const admin = createAdmin(scheduler, { insecure: true, basePath: '/admin' });
  cleanup.push(async () => admin.close());
  return admin;
}

describe('mounting the admin handler', () => {
  it('serves itself in one call', async () => {
    const scheduler = await schedulerWithJob();
    const server = await serveAdmin(scheduler, { insecure: true, port: 0, basePath: '/admin' });
    cleanup.push(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Overview');
    expect((await fetch(new URL('/elsewhere', server.url))).status).toBe(404);
  });

  it('mounts in Express, beside a JSON body parser', async () => {
    const scheduler = await schedulerWithJob();
    const admin = adminFor(scheduler);
    const app = express();
    app.use(express.json());
    app.use('/admin', admin.listener);
    app.get('/hello', (_request, response) => void response.send('host app'));
    const server = app.listen(0, '127.0.0.1');
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    cleanup.push(async () => void server.closeAllConnections());
    await checkMounted(await listening(server), scheduler);
  });

  it("gives the authorize hook Express's request, with what middleware put on it", async () => {
    const scheduler = await schedulerWithJob();
    const admin = createAdmin(scheduler, {
      basePath: '/admin',
      authorize: (_request, nodeRequest) => (nodeRequest as { user?: string } | undefined)?.user === 'ops',
    });
    cleanup.push(async () => admin.close());
    const app = express();
    app.use((request, _response, next) => {
      if (request.headers['x-user'] !== undefined)
        Object.assign(request, { user: request.headers['x-user'] });
      next();
    });
    app.use('/admin', admin.listener);
    const server = app.listen(0, '127.0.0.1');
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    cleanup.push(async () => void server.closeAllConnections());
    const origin = await listening(server);
    expect((await fetch(`${origin}/admin/api/jobs`, { headers: { 'x-user': 'guest' } })).status).toBe(403);
    expect((await fetch(`${origin}/admin/api/jobs`)).status).toBe(403);
    expect((await fetch(`${origin}/admin/api/jobs`, { headers: { 'x-user': 'ops' } })).status).toBe(200);
  });

  it('mounts in Fastify, in a plugin that leaves request bodies to it', async () => {
    const scheduler = await schedulerWithJob();
    const admin = adminFor(scheduler);
    const fastify = Fastify({ forceCloseConnections: true });
    fastify.get('/hello', async () => 'host app');
    await fastify.register(async (instance) => {
      instance.removeAllContentTypeParsers();
      instance.addContentTypeParser('*', (_request, _payload, done) => done(null));
      const forward = async (request: FastifyRequest, reply: FastifyReply) => {
        reply.hijack();
        await admin.listener(request.raw, reply.raw);
      };
      instance.all('/admin', forward);
      instance.all('/admin/*', forward);
    });
    const origin = await fastify.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => fastify.close());
    await checkMounted(origin, scheduler);
  });

  it('mounts in Hono', async () => {
    const scheduler = await schedulerWithJob();
    const admin = adminFor(scheduler);
    const app = new Hono();
    app.get('/hello', (c) => c.text('host app'));
    app.all('/admin', (c) => admin.fetch(c.req.raw));
    app.all('/admin/*', (c) => admin.fetch(c.req.raw));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    cleanup.push(async () => void server.closeAllConnections());
    await checkMounted(await listening(server), scheduler);
  });
});
