// horae/tracing with the real OpenTelemetry SDK: spans kept by its in-memory exporter, the context
// carried by its AsyncLocalStorage context manager, jobs run by a real scheduler.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Scheduler, silentLogger } from '../../../src/index.js';
import { SqliteJobStore } from '../../../src/stores/sqlite/index.js';
import { FakeClock } from '../../../src/testing.js';
import { enableTracing } from '../../../src/tracing/index.js';
import { T0 } from '../../helpers/time.js';
import { waitUntil } from '../../helpers/wait.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
let tracer: Tracer;

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
  tracer = trace.getTracer('test');
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

const schedulers: Scheduler[] = [];
beforeEach(() => exporter.reset());
afterEach(async () => {
  for (const scheduler of schedulers.splice(0)) {
    if (scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
  }
});

function setup() {
  const clock = new FakeClock(T0);
  const scheduler = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC' });
  schedulers.push(scheduler);
  return { clock, scheduler };
}

const spans = (name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.name === name);
const ms = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;

describe('horae/tracing', { timeout: 30_000 }, () => {
  it('makes a span per run, with its attributes, and the job’s own spans as its children', async () => {
    const { clock, scheduler } = setup();
    enableTracing(scheduler);
    await scheduler.addJob(
      async () => {
        await new Promise<void>((done) => clock.setTimer(done, 1500));
        tracer.startSpan('inside the job').end();
      },
      'interval',
      { seconds: 10, id: 'report', name: 'daily report', misfireGraceTime: 5 },
    );
    await scheduler.start();
    clock.jump(T0 + 12_000); // the run at 10 s starts 2 s late
    await clock.advance(0);
    await clock.advance(1500);
    const [run] = spans('horae.run daily report');
    expect(run).toBeDefined();
    const span = run as ReadableSpan;
    expect(span.attributes).toEqual({
      'horae.job.id': 'report',
      'horae.job.name': 'daily report',
      'horae.job.trigger': 'interval[0:00:10]',
      'horae.job.store': 'default',
      'horae.executor': 'default',
      'horae.run.scheduled_time': new Date(T0 + 10_000).toISOString(),
      'horae.run.outcome': 'success',
      'horae.run.attempts': 1,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(ms(span.startTime)).toBe(T0 + 12_000);
    expect(ms(span.endTime)).toBe(T0 + 13_500);
    expect(span.parentSpanContext).toBeUndefined();
    const [inner] = spans('inside the job');
    expect(inner?.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(inner?.spanContext().traceId).toBe(span.spanContext().traceId);
  });

  it('records retries as events and a final failure as an exception with an error status', async () => {
    const { clock, scheduler } = setup();
    enableTracing(scheduler);
    let flakyCalls = 0;
    await scheduler.addJob(
      () => {
        if (++flakyCalls === 1) throw new TypeError('first try fails');
        return 'ok';
      },
      'date',
      { runDate: new Date(T0 + 1000), name: 'flaky', retry: { attempts: 3, delay: 2 } },
    );
    await scheduler.addJob(
      () => {
        throw new RangeError('always fails');
      },
      'date',
      { runDate: new Date(T0 + 1000), name: 'broken', retry: { attempts: 2, delay: 2, backoff: 'fixed' } },
    );
    await scheduler.start();
    await clock.advanceTo(T0 + 4000);

    const flaky = spans('horae.run flaky')[0] as ReadableSpan;
    expect(flaky.attributes['horae.run.outcome']).toBe('success');
    expect(flaky.attributes['horae.run.attempts']).toBe(2);
    expect(flaky.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'horae.retry',
        {
          'horae.run.attempt': 1,
          'horae.retry.delay_seconds': 2,
          'exception.type': 'TypeError',
          'exception.message': 'first try fails',
        },
      ],
    ]);
    expect(ms(flaky.endTime) - ms(flaky.startTime)).toBe(2000);

    const broken = spans('horae.run broken')[0] as ReadableSpan;
    expect(broken.attributes['horae.run.outcome']).toBe('error');
    expect(broken.attributes['horae.run.attempts']).toBe(2);
    expect(broken.status).toEqual({ code: SpanStatusCode.ERROR, message: 'always fails' });
    expect(broken.events.map((event) => event.name)).toEqual(['horae.retry', 'exception']);
    const exception = broken.events[1]?.attributes ?? {};
    expect(exception['exception.type']).toBe('RangeError');
    expect(exception['exception.message']).toBe('always fails');
    expect(String(exception['exception.stacktrace'])).toContain('RangeError: always fails');
  });

  it('links each run to the span that was active when the job was added', async () => {
    const { clock, scheduler } = setup();
    enableTracing(scheduler);
    const added = await tracer.startActiveSpan('POST /reports', async (span) => {
      await scheduler.addJob(() => 'linked', 'interval', { seconds: 5, name: 'linked' });
      span.end();
      return span.spanContext();
    });
    await scheduler.addJob(() => 'unlinked', 'interval', { seconds: 5, name: 'unlinked' });
    await scheduler.start();
    await clock.advance(10_000);
    const linked = spans('horae.run linked');
    expect(linked).toHaveLength(2);
    for (const span of linked) {
      expect(span.links.map((link) => link.context.spanId)).toEqual([added.spanId]);
      expect(span.links[0]?.context.traceId).toBe(added.traceId);
      // Its own trace: a run is not a child of the request that added the job.
      expect(span.spanContext().traceId).not.toBe(added.traceId);
    }
    expect(spans('horae.run unlinked').map((span) => span.links)).toEqual([[], []]);
  });

  it('keeps the added span’s context in a SQLite store, across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'horae-tracing-'));
    const path = join(dir, 'jobs.sqlite');
    const baseDir = resolve(import.meta.dirname, 'fixtures');
    try {
      const adding = new Scheduler({
        jobStores: { default: new SqliteJobStore({ path }) },
        logger: silentLogger,
        baseDir,
      });
      schedulers.push(adding);
      enableTracing(adding);
      await adding.start({ paused: true });
      const added = await tracer.startActiveSpan('enqueue', async (span) => {
        await adding.addJob('./traced-job.mjs:work', undefined, {
          id: 'stored',
          name: 'stored',
          args: ['x'],
        });
        span.end();
        return span.spanContext();
      });
      await adding.shutdown();

      const running = new Scheduler({
        jobStores: { default: new SqliteJobStore({ path }) },
        logger: silentLogger,
        baseDir,
      });
      schedulers.push(running);
      enableTracing(running);
      await running.start();
      await waitUntil(() => spans('work x').length === 1, 'the job’s own span');
      await waitUntil(() => spans('horae.run stored').length === 1, 'the run’s span');
      const run = spans('horae.run stored')[0] as ReadableSpan;
      expect(run.links.map((link) => link.context.spanId)).toEqual([added.spanId]);
      expect(spans('work x')[0]?.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
      await running.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops tracing once disabled, and refuses to trace a scheduler twice', async () => {
    const { clock, scheduler } = setup();
    const tracing = enableTracing(scheduler);
    expect(() => enableTracing(scheduler)).toThrow(InvalidArgumentError);
    expect(() => enableTracing({} as Scheduler)).toThrow(/expected a Horae Scheduler/);
    await scheduler.addJob(() => 'tick', 'interval', { seconds: 1, name: 'tick' });
    await scheduler.start();
    await clock.advance(1000);
    tracing.disable();
    await clock.advance(1000);
    expect(spans('horae.run tick')).toHaveLength(1);
    enableTracing(scheduler, { tracer: trace.getTracer('another') });
    await clock.advance(1000);
    expect(spans('horae.run tick').map((span) => span.instrumentationScope.name)).toEqual([
      'horae',
      'another',
    ]);
  });
});
