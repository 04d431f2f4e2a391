// The Next.js example (examples/nextjs/) as a user deploys it: `next build`, then `next start`.
// instrumentation.js starts one scheduler in the server process, which the route handlers and pages
// share; its jobs run; SIGTERM (with NEXT_MANUAL_SIG_HANDLE set) drains it before the process exits.
// The build takes about a minute here, hence the long timeout; the examples import 'horae' from
// dist/, so `npm run build` comes first (`npm test` does it).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait.js';

const root = resolve(import.meta.dirname, '../..');
const app = join(root, 'examples', 'nextjs');
const next = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
// Next.js keeps its output inside the workspace; node_modules/.cache is ignored by git.
const distName = `horae-next-${randomUUID().slice(0, 8)}`;
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  NEXT_DIST_DIR: `../../node_modules/.cache/${distName}`,
};

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string | null>;
}

function run(args: string[], extraEnv: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [next, ...args], {
    cwd: app,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | string | null>((done) =>
    child.on('close', (code, signal) => done(code ?? signal)),
  );
  return { child, output: () => output, exited };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

let server: Run | undefined;
// Next.js leaves an empty cache/ in the app when its distDir is elsewhere: removed afterwards,
// unless it was there before.
const strayCache = join(app, 'cache');
const hadCache = existsSync(strayCache);

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error("The examples import 'horae' from dist/: run `npm run build` first");
  }
});
afterAll(() => {
  if (server !== undefined && server.child.exitCode === null) server.child.kill('SIGKILL');
  rmSync(join(root, 'node_modules', '.cache', distName), { recursive: true, force: true });
  if (!hadCache) rmSync(strayCache, { recursive: true, force: true });
});

interface JobsReply {
  pid: number;
  state: string;
  heartbeats: number;
  jobs: { id: string; trigger: string }[];
}

describe('examples/nextjs', () => {
  it('next build, then next start runs one scheduler that drains on SIGTERM', async () => {
    const build = run(['build']);
    expect(await build.exited, build.output()).toBe(0);

    const port = await freePort();
    server = run(['start', '-p', String(port), '-H', '127.0.0.1'], { NEXT_MANUAL_SIG_HANDLE: 'true' });
    const origin = `http://127.0.0.1:${port}`;
    let reply: JobsReply | undefined;
    await waitUntil(
      async () => {
        try {
          const response = await fetch(`${origin}/api/jobs`);
          reply = response.ok ? ((await response.json()) as JobsReply) : undefined;
        } catch {
          reply = undefined; // not listening yet
        }
        return (reply?.heartbeats ?? 0) >= 2;
      },
      () => `two heartbeats through /api/jobs, last reply ${JSON.stringify(reply)}:\n${server!.output()}`,
      30_000,
      100,
    );
    expect(reply!.state).toBe('running');
    expect(reply!.jobs.map((job) => job.id).sort()).toEqual(['heartbeat', 'nightly-report']);
    // instrumentation.js started the scheduler the route handler sees, once, in this process.
    const started = server.output().match(/horae: scheduler started in process (\d+)/g) ?? [];
    expect(started).toEqual([`horae: scheduler started in process ${reply!.pid}`]);

    const page = await (await fetch(origin)).text();
    expect(page).toContain('heartbeat: interval[0:00:00.500]');

    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
    expect(server.output()).toMatch(/horae: drained on SIGTERM/);
  }, 240_000);
});
