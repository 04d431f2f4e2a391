// The executor of docs/executors.md ("Writing an executor"), run through a real Scheduler. The doc
// quotes rate-limited-executor.ts whole, with 'horae' as its import path; the first test checks
// that it does, so the code and the page cannot drift apart.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExecutorShutdownError,
  InvalidArgumentError,
  JobTimeoutError,
  Scheduler,
  silentLogger,
  type JobErrorEvent,
} from '../../../src/index.js';
import { waitUntil } from '../../helpers/wait.js';
import { RateLimitedExecutor } from './rate-limited-executor.js';

const schedulers: Scheduler[] = [];

afterEach(async () => {
  for (const scheduler of schedulers.splice(0)) {
    if (scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
  }
});

/** A started scheduler whose executor `api` is a RateLimitedExecutor, and the events it reports. */
async function startScheduler(perSecond: number) {
  const scheduler = new Scheduler({
    executors: { api: new RateLimitedExecutor({ perSecond }) },
    jobDefaults: { misfireGraceTime: null },
    logger: silentLogger,
  });
  schedulers.push(scheduler);
  const executed: string[] = [];
  const errors: JobErrorEvent[] = [];
  scheduler.on('job_executed', (event) => executed.push(event.jobId));
  scheduler.on('job_error', (event) => errors.push(event));
  await scheduler.start();
  return { scheduler, executed, errors };
}

describe('the custom executor of docs/executors.md', () => {
  it('is quoted whole in the doc', () => {
    const code = readFileSync(new URL('./rate-limited-executor.ts', import.meta.url), 'utf8');
    const doc = readFileSync(new URL('../../../docs/executors.md', import.meta.url), 'utf8');
    expect(doc).toContain('```ts\n' + code.replaceAll("'../../../src/index.js'", "'horae'") + '```\n');
  });

  it('starts at most perSecond runs a second, one per turn', async () => {
    const { scheduler, executed } = await startScheduler(10);
    const starts: number[] = [];
    const added = Date.now();
    for (let i = 0; i < 5; i++) {
      await scheduler.addJob(() => starts.push(Date.now()), null, { id: `call-${i}`, executor: 'api' });
    }
    await waitUntil(
      () => executed.length === 5,
      () => `5 runs, got ${executed.length}`,
    );
    // The n-th start waits for its turn, n × 100 ms after the first was asked for (a start that a
    // busy event loop delays does not delay those after it).
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) {
      expect((starts[i] as number) - added).toBeGreaterThanOrEqual(i * 100);
    }
  });

  it('fails a run that times out waiting for its turn, and never starts it', async () => {
    const { scheduler, executed, errors } = await startScheduler(4);
    const ran: string[] = [];
    const job = (name: string) => () => ran.push(name);
    // Turns 250 ms apart: first at once, late at +250 ms (after its 50 ms timeout), last at +500 ms.
    await scheduler.addJob(job('first'), null, { id: 'first', executor: 'api' });
    await scheduler.addJob(job('late'), null, { id: 'late', executor: 'api', timeout: 0.05 });
    await scheduler.addJob(job('last'), null, { id: 'last', executor: 'api' });
    await waitUntil(() => executed.includes('last'), 'the run of "last"');
    expect(ran).toEqual(['first', 'last']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ jobId: 'late', timedOut: true });
    expect(errors[0]?.exception).toBeInstanceOf(JobTimeoutError);
  });

  it('ends a run still waiting for its turn when the scheduler shuts down without waiting', async () => {
    // One run every 5 s: the second waits long after the first, however slow the machine.
    const { scheduler, executed, errors } = await startScheduler(0.2);
    const ran: string[] = [];
    for (const id of ['first', 'second']) {
      await scheduler.addJob(() => ran.push(id), null, { id, executor: 'api' });
    }
    await waitUntil(() => executed.length === 1, 'the first run');
    await scheduler.shutdown({ wait: false });
    expect(ran).toEqual(['first']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ jobId: 'second', timedOut: false });
    expect(errors[0]?.exception).toBeInstanceOf(ExecutorShutdownError);
  });

  it('refuses a rate that is not a positive number, naming the option', () => {
    for (const perSecond of [0, -1, Number.NaN, Infinity]) {
      expect(() => new RateLimitedExecutor({ perSecond })).toThrow(
        expect.objectContaining({ constructor: InvalidArgumentError, field: 'perSecond' }),
      );
    }
  });
});
