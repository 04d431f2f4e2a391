// The liveness and readiness handler of docs/operations.md, served over real HTTP. The doc quotes
// health-probes.ts whole, with 'horae' as its import path; the first test checks that it does.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJobStore, Scheduler, silentLogger } from '../../../src/index.js';
import { healthProbes } from './health-probes.js';

/** A memory store that stops answering `getNextRunTime` with an error while `down`. */
class OutageStore extends MemoryJobStore {
  down = false;

  override async getNextRunTime(): Promise<Date | null> {
    if (this.down) throw new Error('database unreachable');
    return super.getNextRunTime();
  }
}

let server: Server | undefined;
let scheduler: Scheduler | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  if (scheduler !== undefined && scheduler.state !== 'stopped') await scheduler.shutdown();
  server = undefined;
  scheduler = undefined;
});

/** Serves the probes of `subject` on a free loopback port; returns a function asking one path. */
async function serve(subject: Scheduler) {
  const probes = healthProbes(subject);
  server = createServer((request, response) => void probes(request, response));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    const body = response.status === 404 ? null : ((await response.json()) as { state: string });
    return { status: response.status, state: body?.state };
  };
}

describe('the health probes of docs/operations.md', () => {
  it('are quoted whole in the doc', () => {
    const code = readFileSync(new URL('./health-probes.ts', import.meta.url), 'utf8');
    const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    expect(doc).toContain('```ts\n' + code.replaceAll("'../../../src/index.js'", "'horae'") + '```\n');
  });

  it('answer 200 or 503 as the scheduler starts, pauses, loses its store and stops', async () => {
    const store = new OutageStore();
    scheduler = new Scheduler({ jobStores: { default: store }, logger: silentLogger });
    const ask = await serve(scheduler);
    expect(await ask('/livez')).toEqual({ status: 503, state: 'stopped' });
    expect(await ask('/readyz')).toEqual({ status: 503, state: 'stopped' });
    await scheduler.start();
    expect(await ask('/livez')).toEqual({ status: 200, state: 'running' });
    expect(await ask('/readyz')).toEqual({ status: 200, state: 'running' });
    store.down = true;
    expect(await ask('/livez')).toEqual({ status: 200, state: 'running' });
    expect(await ask('/readyz')).toEqual({ status: 503, state: 'running' });
    store.down = false;
    scheduler.pause();
    expect(await ask('/readyz')).toEqual({ status: 503, state: 'paused' });
    scheduler.resume();
    expect(await ask('/readyz')).toEqual({ status: 200, state: 'running' });
    expect((await ask('/metrics')).status).toBe(404);
    await scheduler.shutdown();
    expect(await ask('/livez')).toEqual({ status: 503, state: 'stopped' });
  });
});
