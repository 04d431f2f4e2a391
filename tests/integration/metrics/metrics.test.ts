// horae/metrics on a real scheduler running real jobs on a fake clock (so durations and lateness
// are exact), scraped through a real HTTP server, Express and Hono.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentScheduler, type SchedulerMetrics } from '../../../src/metrics/index.js';
import { InvalidArgumentError, MemoryJobStore, Scheduler, silentLogger } from '../../../src/index.js';
import type { JobState } from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { T0 } from '../../helpers/time.js';

let scheduler: Scheduler | null = null;
let metrics: SchedulerMetrics | null = null;
let server: Server | null = null;
afterEach(async () => {
  metrics?.close();
  if (scheduler !== null && scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
  await new Promise((done) => (server === null ? done(undefined) : server.close(done)));
  scheduler = metrics = server = null;
});

function setup(options: { jobStores?: Record<string, MemoryJobStore> } = {}) {
  const clock = new FakeClock(T0);
  scheduler = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC', ...options });
  return { clock, scheduler };
}

/** Waits `ms` on the fake clock: a job that takes exactly that long. */
function sleepOn(clock: FakeClock, ms: number): Promise<void> {
  return new Promise((done) => clock.setTimer(done, ms));
}

async function listen(handler: RequestListener): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape in Prometheus' text format. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g))
      labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The one sample of `name` whose labels include `labels` (undefined when none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

describe('horae/metrics', { timeout: 30_000 }, () => {
  it('counts runs by outcome and times them, as scraped over HTTP', async () => {
    const { clock, scheduler } = setup();
    metrics = instrumentScheduler(scheduler);
    const url = await listen(metrics.handler);
    const at = (ms: number) => new Date(T0 + ms);
    await scheduler.addJob(() => sleepOn(clock, 2000), 'date', { runDate: at(1000), id: 'ok' });
    await scheduler.addJob(
      () => {
        throw new Error('boom');
      },
      'date',
      { runDate: at(1000), id: 'boom' },
    );
    await scheduler.addJob(() => new Promise(() => {}), 'date', {
      runDate: at(1000),
      id: 'hang',
      timeout: 1,
    });
    await scheduler.addJob(() => 'missed', 'date', { runDate: at(5000), id: 'missed', misfireGraceTime: 1 });
    await scheduler.addJob(() => 'late', 'date', { runDate: at(10_000), id: 'late', misfireGraceTime: 10 });
    await scheduler.addJob(() => 'hourly', 'interval', { hours: 1, id: 'hourly' });
    await scheduler.addJob(() => 'paused', 'interval', { hours: 1, id: 'paused', nextRunTime: null });
    await scheduler.start();

    await clock.advanceTo(T0 + 1000);
    const during = parse(await (await fetch(`${url}/metrics`)).text());
    // ok and hang are running; boom failed at once.
    expect(value(during, 'horae_runs_running', { executor: 'default' })).toBe(2);
    expect(value(during, 'horae_runs_queued', { executor: 'default' })).toBe(0);
    expect(value(during, 'horae_runs_total', { outcome: 'error' })).toBe(1);

    await clock.advance(2000); // hang times out after 1 s, ok returns after 2 s
    clock.jump(T0 + 8000); // missed's run is now 3 s late: past its grace time of 1 s
    await clock.advance(0);
    clock.jump(T0 + 13_000); // late's run is now 3 s late: within its grace time of 10 s
    await clock.advance(0);

    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const samples = parse(text);
    const runs = (outcome: string) => value(samples, 'horae_runs_total', { store: 'default', outcome });
    expect([runs('success'), runs('error'), runs('timeout'), runs('missed')]).toEqual([2, 1, 1, 1]);
    const duration = (outcome: string, part: string) =>
      value(samples, `horae_run_duration_seconds_${part}`, {
        outcome,
        ...(part === 'bucket' ? { le: '+Inf' } : {}),
      });
    // ok took 2 s and late none; boom failed at once; hang timed out after its 1 s.
    expect([duration('success', 'count'), duration('success', 'sum')]).toEqual([2, 2]);
    expect(value(samples, 'horae_run_duration_seconds_bucket', { outcome: 'success', le: '1' })).toBe(1);
    expect([duration('error', 'count'), duration('error', 'sum')]).toEqual([1, 0]);
    expect([duration('timeout', 'count'), duration('timeout', 'sum')]).toEqual([1, 1]);
    // Four runs started: three on time, late 3 s after its time. The missed run never started.
    expect(value(samples, 'horae_run_lateness_seconds_count')).toBe(4);
    expect(value(samples, 'horae_run_lateness_seconds_sum')).toBe(3);
    expect(value(samples, 'horae_run_lateness_seconds_bucket', { le: '1' })).toBe(3);
    // Claims: the three jobs due at T0+1s, then missed, then late.
    expect(value(samples, 'horae_claim_batch_size_count', { store: 'default' })).toBe(3);
    expect(value(samples, 'horae_claim_batch_size_sum', { store: 'default' })).toBe(5);
    expect(value(samples, 'horae_claim_batch_size_bucket', { store: 'default', le: '2' })).toBe(2);
    // The date jobs are done and gone; the two interval jobs remain.
    expect(value(samples, 'horae_jobs', { store: 'default', state: 'scheduled' })).toBe(1);
    expect(value(samples, 'horae_jobs', { store: 'default', state: 'paused' })).toBe(1);
    expect(value(samples, 'horae_runs_running', { executor: 'default' })).toBe(0);
    expect(value(samples, 'horae_store_errors_total')).toBeUndefined();
    expect(text).not.toContain('job="');
  });

  it('perJob adds the job id to the run metrics; refusals and retries are counted', async () => {
    const { clock, scheduler } = setup();
    metrics = instrumentScheduler(scheduler, { perJob: true, prefix: 'app_' });
    let calls = 0;
    await scheduler.addJob(
      () => {
        calls++;
        if (calls === 1) throw new Error('first attempt fails');
      },
      'date',
      { runDate: new Date(T0 + 1000), id: 'flaky', retry: { attempts: 2, delay: 5 } },
    );
    await scheduler.addJob(() => sleepOn(clock, 10_000), 'interval', { seconds: 2, id: 'slow' });
    await scheduler.start();
    await clock.advanceTo(T0 + 7000); // flaky retried at 6 s; slow started at 2 s, refused at 4 and 6
    const samples = parse(await metrics.metrics());
    expect(value(samples, 'app_runs_total', { job: 'flaky', outcome: 'success' })).toBe(1);
    expect(value(samples, 'app_run_retries_total', { job: 'flaky' })).toBe(1);
    expect(value(samples, 'app_runs_total', { job: 'slow', outcome: 'max_instances' })).toBe(2);
    expect(value(samples, 'app_run_duration_seconds_sum', { job: 'flaky', outcome: 'success' })).toBe(5);
    expect(value(samples, 'app_runs_running', { executor: 'default' })).toBe(1);
    expect(samples.some((sample) => sample.name.startsWith('horae_'))).toBe(false);
    // Every run series names its job: no series of the store as a whole beside them.
    const runSeries = samples.filter((sample) =>
      /^app_run(s_total|_duration|_lateness|_retries)/.test(sample.name),
    );
    expect(runSeries.length).toBeGreaterThan(0);
    expect(runSeries.filter((sample) => sample.labels.job === undefined)).toEqual([]);
  });

  it('counts store errors, from the run loop of a store that fails', async () => {
    let failing = false;
    class FailingStore extends MemoryJobStore {
      override async acquireDueJobs(
        ...args: Parameters<MemoryJobStore['acquireDueJobs']>
      ): Promise<JobState[]> {
        if (failing) throw new Error('store is down');
        return super.acquireDueJobs(...args);
      }
      override async getAllJobs(): Promise<JobState[]> {
        if (failing) throw new Error('store is down');
        return super.getAllJobs();
      }
    }
    const { clock, scheduler } = setup({ jobStores: { default: new FailingStore() } });
    metrics = instrumentScheduler(scheduler);
    let ran = 0;
    await scheduler.addJob(() => ran++, 'interval', { seconds: 10, misfireGraceTime: null });
    await scheduler.start();
    failing = true;
    await clock.advanceTo(T0 + 10_000); // the claim fails, and is retried after 1 s, then 2 s
    await clock.advance(3000);
    const down = parse(await metrics.metrics());
    expect(value(down, 'horae_store_errors_total', { store: 'default' })).toBe(3);
    // The store cannot list its jobs either: that gauge is empty, the scrape still answers.
    expect(value(down, 'horae_jobs')).toBeUndefined();
    failing = false;
    await clock.advance(4000);
    expect(ran).toBe(1);
    const up = parse(await metrics.metrics());
    expect(value(up, 'horae_store_errors_total', { store: 'default' })).toBe(3);
    expect(value(up, 'horae_jobs', { state: 'scheduled' })).toBe(1);
  });

  it('serves as Express and Hono middleware on /metrics, and passes other paths on', async () => {
    const { scheduler } = setup();
    metrics = instrumentScheduler(scheduler, { path: '/internal/metrics' });
    await scheduler.start();
    const app = express();
    app.use(metrics.middleware);
    app.get('/hello', (_request, response) => void response.send('hello'));
    const url = await listen(app as RequestListener);
    const scraped = await fetch(`${url}/internal/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE horae_runs_total counter');
    expect(await (await fetch(`${url}/hello`)).text()).toBe('hello');

    const hono = new Hono();
    hono.use(metrics.middleware);
    hono.get('/hello', (c) => c.text('hi'));
    const fromHono = await hono.request('/internal/metrics');
    expect(fromHono.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await fromHono.text()).toContain('# TYPE horae_run_duration_seconds histogram');
    expect(await (await hono.request('/hello')).text()).toBe('hi');
  });

  it('refuses bad options and a second registration of the same names, naming them', async () => {
    const { scheduler } = setup();
    const registry = new Registry();
    for (const [options, field] of [
      [{ prefix: '9x' }, 'prefix'],
      [{ perJob: 'yes' }, 'perJob'],
      [{ buckets: { duration: [1, 0.5] } }, 'buckets.duration'],
      [{ registry: {} }, 'registry'],
      [{ perjob: true }, 'perjob'],
    ] as const) {
      expect(() => instrumentScheduler(scheduler, options as never), field).toThrow(
        expect.objectContaining({ field }) as Error,
      );
    }
    expect(() => instrumentScheduler({} as Scheduler)).toThrow(InvalidArgumentError);
    metrics = instrumentScheduler(scheduler, { registry });
    expect(() => instrumentScheduler(scheduler, { registry })).toThrow(
      /prefix "horae_".*already been registered/,
    );
    // The failed second call left the first one's metrics in place.
    expect(await registry.metrics()).toContain('horae_runs_total');
    metrics.close();
    expect(await registry.metrics()).not.toContain('horae_');
  });

  it('stops counting once closed', async () => {
    const { clock, scheduler } = setup();
    const registry = new Registry();
    metrics = instrumentScheduler(scheduler, { registry });
    await scheduler.addJob(() => 'tick', 'interval', { seconds: 1 });
    await scheduler.start();
    await clock.advance(1000);
    expect(value(parse(await registry.metrics()), 'horae_runs_total', { outcome: 'success' })).toBe(1);
    metrics.close();
    const again = instrumentScheduler(scheduler, { registry, prefix: 'again_' });
    metrics = again;
    await clock.advance(1000);
    const samples = parse(await registry.metrics());
    expect(value(samples, 'again_runs_total', { outcome: 'success' })).toBe(1);
    expect(value(samples, 'horae_runs_total', { outcome: 'success' })).toBeUndefined();
  });
});
