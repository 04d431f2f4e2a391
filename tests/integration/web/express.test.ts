// horae/express on a real Express 5 server: attachScheduler starts the scheduler when the server
// listens and drains it when the server closes (or a signal comes); adminMiddleware serves the
// dashboard under a prefix behind the app's own authentication middleware.
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Scheduler, silentLogger } from '../../../src/index.js';
import { adminMiddleware, attachScheduler } from '../../../src/web/express.js';
import { waitUntil } from '../../helpers/wait.js';
import { heldJob, settle, sqliteFixture, storedRuns } from './web-harness.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  const steps = cleanup.reverse();
  cleanup = [];
  for (const step of steps) await step();
});

function listen(app: express.Express): Server {
  const server = app.listen(0, '127.0.0.1');
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return server;
}

async function origin(server: Server): Promise<string> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** tests/integration/fixtures/web/signal-server.ts in a child process, its job lasting `hold` ms. */
function signalServer(hold: string) {
  const fixture = resolve(import.meta.dirname, '../fixtures/web/signal-server.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, hold], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const output = () => `${stdout}${stderr === '' ? '' : `\n--- stderr\n${stderr}`}`;
  const waitFor = async (pattern: RegExp) => {
    await waitUntil(
      () => pattern.test(stdout) || child.exitCode !== null,
      () => `${pattern} in:\n${output()}`,
      30_000,
    );
    return pattern.exec(stdout) ?? expect.fail(`exited without ${pattern}:\n${output()}`);
  };
  return { process: child, exited, output, waitFor };
}

/** The app's own authentication: a user header, or 401 before anything else sees the request. */
function requireUser(request: Request, response: Response, next: NextFunction): void {
  const user = request.headers['x-app-user'];
  if (typeof user !== 'string') {
    response.status(401).json({ error: 'log in first' });
    return;
  }
  Object.assign(request, { user });
  next();
}

describe('horae/express attachScheduler', () => {
  it('starts the scheduler when the server listens and runs the declared jobs', async () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    const ran: number[] = [];
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    const attached = attachScheduler(server, scheduler, {
      signals: false,
      jobs: [{ func: () => ran.push(1), trigger: 'interval', seconds: 0.05, id: 'tick' }],
    });
    cleanup.push(() => attached.close());
    await attached.started;
    expect(scheduler.state).toBe('running');
    await waitUntil(() => ran.length >= 2, 'two runs of the declared job');
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['tick']);
  });

  it('drains on server.close: the callback comes after the running job ended and its record was written', async () => {
    const sqlite = sqliteFixture();
    cleanup.push(() => sqlite.remove());
    const held = heldJob();
    const scheduler = new Scheduler(sqlite.options());
    const server = express().listen(0, '127.0.0.1');
    const attached = attachScheduler(server, scheduler, {
      signals: false,
      tasks: { held: held.fn },
      jobs: [{ func: 'held', trigger: 'interval', hours: 1, nextRunTime: new Date(), id: 'held-job' }],
    });
    await attached.started;
    await waitUntil(() => held.running, 'the held job to start');

    let closed = false;
    const closing = closeServer(server).then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    held.release();
    await closing;
    expect(scheduler.state).toBe('stopped');
    const runs = await storedRuns(sqlite.path, 'held-job');
    expect(runs.map((run) => [run.outcome, run.returnValue])).toEqual([['success', 'drained']]);
  });

  it('on SIGTERM, closes the server, drains, then ends the process by the signal', async () => {
    const child = signalServer('300');
    await child.waitFor(/^job started$/m);
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit, child.output()).toEqual({ code: null, signal: 'SIGTERM' });
    expect(child.output()).toMatch(/^job finished\nrecord success\n$/m);
  });

  it('ends the process at once on a second signal while a job will not finish', async () => {
    const child = signalServer('forever');
    const [, port] = await child.waitFor(/^listening (\d+)$/m);
    await child.waitFor(/^job started$/m);
    child.process.kill('SIGINT');
    await waitUntil(
      () =>
        fetch(`http://127.0.0.1:${port}/`).then(
          () => false,
          () => true,
        ),
      'the server to stop accepting connections',
    );
    expect(child.process.exitCode).toBeNull();
    child.process.kill('SIGINT');
    expect(await child.exited, child.output()).toEqual({ code: null, signal: 'SIGINT' });
    expect(child.output()).not.toContain('job finished');
  });

  it('refuses bad options, naming them', () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    const server = listen(express());
    expect(() => attachScheduler(server, scheduler, { signal: false } as never)).toThrow(
      /Unknown attachScheduler option "signal" \(did you mean "signals"\?\)/,
    );
    expect(() => attachScheduler(server, scheduler, { signals: ['TERM'] } as never)).toThrow(
      InvalidArgumentError,
    );
    expect(() => attachScheduler(server, scheduler, { jobs: [{ trigger: 'cron' }] } as never)).toThrow(
      /jobs\[0\]/,
    );
  });
});

describe('horae/express adminMiddleware', () => {
  it('serves the dashboard under a prefix, behind the app own middleware', async () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    await scheduler.registerTask('report', () => 'sent');
    await scheduler.addJob('report', 'cron', { hour: 10, minute: 30, id: 'report', name: 'Daily report' });
    const admin = adminMiddleware(scheduler, {
      basePath: '/ops',
      authorize: (_request, nodeRequest) => (nodeRequest as { user?: string } | undefined)?.user === 'ops',
    });
    const app = express();
    app.use(express.json());
    app.use('/ops', requireUser, admin);
    app.get('/hello', (_request, response) => void response.send('host app'));
    const server = listen(app);
    const attached = attachScheduler(server, scheduler, { signals: false, admin });
    cleanup.push(() => attached.close());
    await attached.started;
    const base = await origin(server);
    const ops = { 'x-app-user': 'ops' };

    const page = await fetch(`${base}/ops`, { headers: ops });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('href="/ops/jobs');
    expect(await (await fetch(`${base}/ops/jobs`, { headers: ops })).text()).toContain('Daily report');

    const anonymous = await fetch(`${base}/ops/jobs`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'log in first' });
    expect((await fetch(`${base}/ops/api/jobs`, { headers: { 'x-app-user': 'guest' } })).status).toBe(403);
    expect(await (await fetch(`${base}/hello`)).text()).toBe('host app');

    const { token } = (await (await fetch(`${base}/ops/api/csrf-token`, { headers: ops })).json()) as {
      token: string;
    };
    const paused = await fetch(`${base}/ops/api/jobs/report/pause`, {
      method: 'POST',
      headers: { ...ops, 'x-horae-csrf': token, origin: base },
    });
    expect(paused.status).toBe(200);
    expect((await scheduler.getJob('report'))?.nextRunTime).toBeNull();

    // An open event stream does not hold the close up: attachScheduler closes the admin first.
    const events = await fetch(`${base}/ops/api/events`, { headers: ops });
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    await attached.close();
    expect(scheduler.state).toBe('stopped');
  });

  it('says so when mounted at another path than its basePath', async () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    const app = express();
    app.use('/elsewhere', adminMiddleware(scheduler, { insecure: true }));
    let reported: unknown;
    app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
      reported = error;
      response.status(500).end();
    });
    const base = await origin(listen(app));
    expect((await fetch(`${base}/elsewhere/jobs`)).status).toBe(500);
    expect(reported).toBeInstanceOf(InvalidArgumentError);
    expect(String(reported)).toMatch(/basePath "\/admin" but is mounted at "\/elsewhere"/);
  });
});
