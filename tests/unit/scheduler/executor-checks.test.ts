// Issue 11: an executor alias the scheduler does not have is refused when it can know, and a run
// that finds no executor is reported (event and run record), not skipped with a log line only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  EVENT_JOB_ERROR,
  LookupError,
  Scheduler,
  silentLogger,
  type JobExecutionEvent,
  type SchedulerEventUnion,
} from '../../../src/index.js';
import { SqliteJobStore } from '../../../src/stores/sqlite/index.js';
import { FakeClock } from '../../../src/testing.js';
import { T0, at, useSchedulers, rejection } from './helpers.js';

const setup = useSchedulers();

function expectMissingExecutor(error: unknown, alias: string): void {
  expect(error).toBeInstanceOf(LookupError);
  expect((error as LookupError).alias).toBe(alias);
  expect((error as Error).message).toContain(`"${alias}"`);
  expect((error as Error).message).toMatch(/executors are: default/);
}

describe('an unknown executor alias', () => {
  it('is refused by addJob and modifyJob while running, changing nothing', async () => {
    const { scheduler } = setup();
    await scheduler.start();
    expectMissingExecutor(
      await rejection(scheduler.addJob(() => undefined, 'interval', { seconds: 1, executor: 'nope' })),
      'nope',
    );
    expect(await scheduler.getJobs()).toEqual([]);
    await scheduler.addJob(() => undefined, 'interval', { seconds: 1, id: 'keep' });
    expectMissingExecutor(await rejection(scheduler.modifyJob('keep', { executor: 'nope' })), 'nope');
    expect((await scheduler.getJob('keep'))?.executor).toBe('default');
  });

  it('is refused before start() once executors are configured', async () => {
    const { scheduler } = setup({ executors: { cpu: { type: 'async' } } });
    expectMissingExecutor(
      await rejection(scheduler.addJob(() => undefined, 'interval', { seconds: 1, executor: 'gpu' })),
      'gpu',
    );
    const onCpu = await scheduler.addJob(() => undefined, 'interval', { seconds: 1, executor: 'cpu' });
    const onDefault = await scheduler.addJob(() => undefined, 'interval', { seconds: 1 });
    expect([onCpu.executor, onDefault.executor]).toEqual(['cpu', 'default']);
    expect(await scheduler.getJobs()).toHaveLength(2);
  });

  it('with no executor configured before start(), fails start() keeping the job, until it is added', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1, id: 'later', executor: 'cpu' });
    expectMissingExecutor(await rejection(scheduler.start()), 'cpu');
    expect(scheduler.state).toBe('stopped');
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['later']);
    await scheduler.addExecutor(new AsyncExecutor(), 'cpu');
    await scheduler.start();
    await clock.advance(1000);
    expect(runs).toBe(1);
  });
});

describe('a stored job whose executor this scheduler lacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'horae-executor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails each run with EVENT_JOB_ERROR and a run record, and keeps its schedule', async () => {
    const path = join(dir, 'shared.sqlite');
    const clock = new FakeClock(T0);
    // One node, with a "gpu" executor, adds the job to the shared store...
    const adder = new Scheduler({
      clock,
      logger: silentLogger,
      jobStores: { default: new SqliteJobStore({ path }) },
      executors: { gpu: new AsyncExecutor() },
    });
    await adder.registerTask('render', () => 'rendered');
    await adder.start({ paused: true });
    await adder.addJob('render', 'interval', { seconds: 1, id: 'render', executor: 'gpu' });
    await adder.shutdown();

    // ...and another, without it, comes to run it.
    const errors: string[] = [];
    const runner = new Scheduler({
      clock,
      timezone: 'UTC',
      logger: { ...silentLogger, error: (message: string) => errors.push(message) },
      jobStores: { default: new SqliteJobStore({ path }) },
    });
    setup.track(runner);
    await runner.registerTask('render', () => 'rendered');
    const events: SchedulerEventUnion[] = [];
    runner.addListener((event) => events.push(event), EVENT_JOB_ERROR);
    await runner.start();
    await clock.advance(2000);
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(2);
    const failed = events as JobExecutionEvent[];
    expect(failed.map((event) => event.scheduledRunTime)).toEqual([at(1000), at(2000)]);
    expect(failed[0]?.jobId).toBe('render');
    expect(failed[0]?.exception).toBeInstanceOf(LookupError);
    expect((failed[0]?.exception as Error).message).toContain('"gpu"');
    const runs = await runner.getRuns('render');
    expect(runs.map((run) => [run.outcome, run.error?.name])).toEqual([
      ['error', 'LookupError'],
      ['error', 'LookupError'],
    ]);
    expect(errors.some((line) => line.includes('"gpu"'))).toBe(true);
    expect((await runner.getJob('render'))?.nextRunTime).toEqual(at(3000));
  });
});
