// horae/tracing without an OpenTelemetry SDK registered (no tracer provider, no context manager):
// the API's no-op tracer makes spans that record nothing, and jobs run as they would untraced.
import { trace } from '@opentelemetry/api';
import { afterEach, expect, it } from 'vitest';
import { Scheduler, silentLogger } from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { enableTracing } from '../../../src/tracing/index.js';
import { T0 } from '../../helpers/time.js';

let scheduler: Scheduler | null = null;
afterEach(async () => {
  if (scheduler !== null && scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
});

it('runs jobs, retries and failures as usual when no SDK is registered', async () => {
  const clock = new FakeClock(T0);
  scheduler = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC' });
  enableTracing(scheduler);
  const outcomes: string[] = [];
  scheduler.on('job_executed', (event) => outcomes.push(`${event.jobId} ${String(event.retval)}`));
  scheduler.on('job_error', (event) => outcomes.push(`${event.jobId} ${(event.exception as Error).message}`));
  let calls = 0;
  await trace.getTracer('app').startActiveSpan('request', async (span) => {
    await scheduler?.addJob(
      () => {
        if (++calls === 1) throw new Error('once');
        return trace.getActiveSpan()?.isRecording() ?? 'no span';
      },
      'date',
      { runDate: new Date(T0 + 1000), id: 'flaky', retry: { attempts: 2, delay: 1 } },
    );
    span.end();
  });
  await scheduler.addJob(
    () => {
      throw new Error('boom');
    },
    'date',
    { runDate: new Date(T0 + 1000), id: 'broken' },
  );
  await scheduler.start();
  await clock.advanceTo(T0 + 3000);
  expect(outcomes.sort()).toEqual(['broken boom', 'flaky no span']);
});
