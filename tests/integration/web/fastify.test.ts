// horae/fastify on a real Fastify 5 server: declared jobs run, fastify.close() waits for a running
// job and its record, and the dashboard is served under a prefix behind the app's own hook.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Scheduler, silentLogger } from '../../../src/index.js';
import { horaePlugin } from '../../../src/web/fastify.js';
import { waitUntil } from '../../helpers/wait.js';
import { heldJob, settle, sqliteFixture, storedRuns } from './web-harness.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  const steps = cleanup.reverse();
  cleanup = [];
  for (const step of steps) await step();
});

function app(): FastifyInstance {
  const fastify = Fastify({ forceCloseConnections: true });
  cleanup.push(() => fastify.close());
  return fastify;
}

describe('horae/fastify', () => {
  it('decorates the app, runs a declared job once the app is ready, and stops with it', async () => {
    const fastify = app();
    const ran: string[] = [];
    await fastify.register(horaePlugin, {
      scheduler: { logger: silentLogger },
      jobs: [
        {
          func: (who: string) => ran.push(who),
          trigger: 'interval',
          seconds: 0.05,
          args: ['tick'],
          id: 'tick',
        },
      ],
    });
    expect(fastify.scheduler).toBeInstanceOf(Scheduler);
    expect(fastify.scheduler.state).toBe('stopped');
    fastify.get('/jobs', async () => (await fastify.scheduler.getJobs()).map((job) => job.id));
    const origin = await fastify.listen({ port: 0, host: '127.0.0.1' });
    expect(fastify.scheduler.state).toBe('running');
    expect(await (await fetch(`${origin}/jobs`)).json()).toEqual(['tick']);
    await waitUntil(() => ran.length >= 2, 'two runs of the declared job');
    await fastify.close();
    expect(fastify.scheduler.state).toBe('stopped');
  });

  it('drains a running job on close: close resolves after the job ends and its record is written', async () => {
    const sqlite = sqliteFixture();
    cleanup.push(() => sqlite.remove());
    const held = heldJob();
    const fastify = app();
    await fastify.register(horaePlugin, {
      scheduler: sqlite.options(),
      tasks: { held: held.fn },
      jobs: [{ func: 'held', trigger: 'interval', hours: 1, nextRunTime: new Date(), id: 'held-job' }],
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    await waitUntil(() => held.running, 'the held job to start');

    let closed = false;
    const closing = fastify.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    held.release();
    await closing;
    expect(held.finished).toBe(true);
    expect(fastify.scheduler.state).toBe('stopped');
    const runs = await storedRuns(sqlite.path, 'held-job');
    expect(runs.map((run) => [run.outcome, run.returnValue])).toEqual([['success', 'drained']]);
  });

  it('upserts declared jobs by id: a restart on a persistent store keeps one copy, with its new settings', async () => {
    const sqlite = sqliteFixture();
    cleanup.push(() => sqlite.remove());
    const boot = async (minutes: number) => {
      const fastify = Fastify();
      await fastify.register(horaePlugin, {
        scheduler: sqlite.options(),
        tasks: { report: () => 'sent' },
        jobs: [{ func: 'report', trigger: 'interval', minutes, id: 'report' }],
      });
      await fastify.ready();
      const jobs = (await fastify.scheduler.getJobs()).map((job) => `${job.id} ${job.trigger.toString()}`);
      await fastify.close();
      return jobs;
    };
    expect(await boot(5)).toEqual(['report interval[0:05:00]']);
    expect(await boot(10)).toEqual(['report interval[0:10:00]']);
  });

  it('with wait: false, close aborts the running job instead of waiting for it', async () => {
    const held = heldJob();
    const fastify = app();
    await fastify.register(horaePlugin, {
      scheduler: { logger: silentLogger },
      wait: false,
      jobs: [{ func: held.fn, trigger: 'interval', hours: 1, nextRunTime: new Date(), id: 'held' }],
    });
    await fastify.ready();
    await waitUntil(() => held.running, 'the held job to start');
    await fastify.close();
    expect(held.finished).toBe(false);
    held.release();
  });

  it('mounts the dashboard under a prefix, behind the app own hooks and admin.onRequest', async () => {
    const fastify = app();
    fastify.addHook('onRequest', async (request, reply) => {
      if (request.headers['x-app-user'] === undefined) await reply.code(401).send({ error: 'log in first' });
    });
    await fastify.register(horaePlugin, {
      scheduler: { logger: silentLogger },
      tasks: { report: () => 'sent' },
      jobs: [{ func: 'report', trigger: 'cron', hour: 10, minute: 30, id: 'report', name: 'Daily report' }],
      admin: {
        basePath: '/ops',
        insecure: true,
        onRequest: async (request, reply) => {
          if (request.headers['x-app-user'] !== 'ops') await reply.code(403).send({ error: 'ops only' });
        },
      },
    });
    fastify.get('/hello', async () => 'host app');
    const origin = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const ops = { 'x-app-user': 'ops' };

    const page = await fetch(`${origin}/ops`, { headers: ops });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('href="/ops/jobs');
    const jobs = await fetch(`${origin}/ops/jobs`, { headers: ops });
    expect(await jobs.text()).toContain('Daily report');

    const anonymous = await fetch(`${origin}/ops/jobs`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'log in first' });
    const guest = await fetch(`${origin}/ops/api/jobs`, { headers: { 'x-app-user': 'guest' } });
    expect(guest.status).toBe(403);
    expect(await guest.json()).toEqual({ error: 'ops only' });
    expect(await (await fetch(`${origin}/hello`, { headers: { 'x-app-user': 'guest' } })).text()).toBe(
      'host app',
    );

    // An action with a JSON body reaches the handler unparsed by Fastify.
    const { token } = (await (await fetch(`${origin}/ops/api/csrf-token`, { headers: ops })).json()) as {
      token: string;
    };
    const patched = await fetch(`${origin}/ops/api/jobs/report`, {
      method: 'PATCH',
      headers: { ...ops, 'content-type': 'application/json', 'x-horae-csrf': token, origin },
      body: JSON.stringify({ name: 'Renamed' }),
    });
    expect(patched.status).toBe(200);
    expect((await fastify.scheduler.getJob('report'))?.name).toBe('Renamed');
  });

  it('closes with a dashboard event stream open', async () => {
    const fastify = Fastify();
    await fastify.register(horaePlugin, { scheduler: { logger: silentLogger }, admin: { insecure: true } });
    const origin = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const events = await fetch(`${origin}/admin/api/events`);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    await fastify.close();
    expect(fastify.scheduler.state).toBe('stopped');
  });

  it('refuses bad options and bad jobs at register, naming them', async () => {
    await expect(app().register(horaePlugin, { jobz: [] } as never)).rejects.toThrow(
      /Unknown horae\/fastify option "jobz" \(did you mean "jobs"\?\)/,
    );
    await expect(app().register(horaePlugin, { wait: 'yes' } as never)).rejects.toThrow(InvalidArgumentError);
    await expect(
      app().register(horaePlugin, {
        scheduler: { logger: silentLogger },
        jobs: [{ func: () => undefined, trigger: 'cron', hour: '25' }],
      }),
    ).rejects.toThrow(/hour/);
    // A bad admin option is found before the declared jobs are added.
    const scheduler = new Scheduler({ logger: silentLogger });
    await expect(
      app().register(horaePlugin, {
        scheduler,
        jobs: [{ func: () => undefined, trigger: 'interval', hours: 1, id: 'kept-out' }],
        admin: { basePath: '/ops' },
      }),
    ).rejects.toThrow(/security choice/);
    expect(await scheduler.getJobs()).toEqual([]);
  });
});
