// Bad input of issue 11: each case must fail with a typed error naming what was wrong, and leave
// the jobs as they were.
import { describe, expect, it } from 'vitest';
import {
  DateTrigger,
  HoraeError,
  IntervalTrigger,
  InvalidArgumentError,
  InvalidTriggerError,
  MemoryJobStore,
  Scheduler,
  SerializationError,
} from '../../../src/index.js';
import { T0, useSchedulers, rejection } from './helpers.js';

const setup = useSchedulers();

function expectTyped<E extends HoraeError>(
  error: unknown,
  type: abstract new (...args: never[]) => E,
  field: string,
): E {
  expect(error).toBeInstanceOf(type);
  expect((error as E & { field?: string }).field).toBe(field);
  return error as E;
}

/** A scheduler, running or not, holding one job `keep`, and a snapshot of its jobs to compare. */
async function withJob(running: boolean) {
  const made = setup();
  const { scheduler } = made;
  if (running) await scheduler.start();
  await scheduler.addJob(() => undefined, 'interval', { seconds: 5, id: 'keep', maxInstances: 2 });
  const jobs = async () =>
    (await scheduler.getJobs()).map((job) => [
      job.id,
      job.trigger.toString(),
      job.nextRunTime,
      job.maxInstances,
    ]);
  return { ...made, jobs, before: await jobs() };
}

describe('dates past the range of a JavaScript Date', () => {
  for (const running of [false, true]) {
    it(`are refused at addJob, naming the option (${running ? 'running' : 'before start'})`, async () => {
      const { scheduler, jobs, before } = await withJob(running);
      const seconds = expectTyped(
        await rejection(scheduler.addJob(() => undefined, 'interval', { seconds: 1e20 })),
        InvalidTriggerError,
        'seconds',
      );
      expect(seconds.message).toMatch(/seconds: 1e\+?20|seconds: 100000000000000000000/);
      expect(seconds.message).toContain('outside the range of a JavaScript Date');
      expectTyped(
        await rejection(scheduler.addJob(() => undefined, 'interval', { days: 1e9 })),
        InvalidTriggerError,
        'days',
      );
      expectTyped(
        await rejection(scheduler.addJob(() => undefined, 'date', { runDate: 8.64e15 + 1 })),
        InvalidTriggerError,
        'runDate',
      );
      const nextRunTime = expectTyped(
        await rejection(scheduler.addJob(() => undefined, 'interval', { seconds: 1, nextRunTime: 1e20 })),
        InvalidArgumentError,
        'nextRunTime',
      );
      expect(nextRunTime.message).toContain('nextRunTime');
      expectTyped(
        await rejection(scheduler.addJob(() => undefined, new IntervalTrigger({ days: 1e9 }))),
        InvalidTriggerError,
        'trigger',
      );
      expectTyped(
        await rejection(scheduler.addJob(() => undefined, 'cron', { hour: 3, endDate: 1e20 })),
        InvalidTriggerError,
        'endDate',
      );
      const endless = new IntervalTrigger({ seconds: 1, endDate: 1e20 });
      expectTyped(
        await rejection(scheduler.addJob(() => undefined, endless)),
        InvalidTriggerError,
        'endDate',
      );
      expectTyped(
        await rejection(scheduler.modifyJob('keep', { trigger: endless })),
        InvalidTriggerError,
        'endDate',
      );
      expectTyped(
        await rejection(scheduler.modifyJob('keep', { nextRunTime: 1e20 })),
        InvalidArgumentError,
        'nextRunTime',
      );
      expectTyped(
        await rejection(scheduler.rescheduleJob('keep', 'interval', { seconds: 1e20 })),
        InvalidTriggerError,
        'seconds',
      );
      expect(await jobs()).toEqual(before);
      const printed = await scheduler.printJobs({ out: () => undefined });
      expect(printed).toContain('keep');
    });
  }

  it('the last date a Date can hold is still accepted', async () => {
    const { scheduler } = setup();
    await scheduler.start();
    const job = await scheduler.addJob(() => undefined, new DateTrigger({ runDate: 8.64e15 }));
    expect(job.nextRunTime?.getTime()).toBe(8.64e15);
    expect(await scheduler.printJobs({ out: () => undefined })).toContain('275760');
  });
});

describe('scheduler options', () => {
  it('a clock without the Clock methods is refused', () => {
    for (const clock of [{}, 42, { now: () => T0 }]) {
      expectTyped(
        (() => {
          try {
            return new Scheduler({ clock: clock as never });
          } catch (error) {
            return error;
          }
        })(),
        InvalidArgumentError,
        'clock',
      );
    }
  });

  it('runHistory must be false or { retention }', () => {
    for (const runHistory of ['x', true, 5, { retension: 5 }]) {
      expect(() => new Scheduler({ runHistory: runHistory as never })).toThrow(InvalidArgumentError);
    }
    const error = (() => {
      try {
        return new Scheduler({ runHistory: 'x' as never });
      } catch (caught) {
        return caught;
      }
    })();
    expect(expectTyped(error, InvalidArgumentError, 'runHistory').message).toMatch(/retention/);
    expect(() => new Scheduler({ runHistory: { retention: 3 } })).not.toThrow();
  });

  it('jobDefaults that is not an object says so, not "Unknown job default \\"0\\""', () => {
    for (const jobDefaults of ['x', 42, ['coalesce']]) {
      let error: unknown;
      try {
        new Scheduler({ jobDefaults: jobDefaults as never });
      } catch (caught) {
        error = caught;
      }
      const typed = expectTyped(error, InvalidArgumentError, 'jobDefaults');
      expect(typed.message).toMatch(/jobDefaults .*expected an object/);
    }
  });
});

describe('operation arguments', () => {
  it('getRuns refuses a limit that is not a non-negative integer', async () => {
    const { scheduler } = setup();
    await scheduler.start();
    for (const limit of [-1, 'x', 1.5, NaN]) {
      expectTyped(
        await rejection(scheduler.getRuns('keep', { limit: limit as number })),
        InvalidArgumentError,
        'limit',
      );
    }
    expect(await scheduler.getRuns('keep', { limit: 0 })).toEqual([]);
  });

  it('rescheduleJob refuses job options and points to modifyJob', async () => {
    for (const running of [false, true]) {
      const { scheduler, jobs, before } = await withJob(running);
      const error = expectTyped(
        await rejection(
          scheduler.rescheduleJob('keep', 'interval', { seconds: 9, maxInstances: 3 } as never),
        ),
        InvalidArgumentError,
        'maxInstances',
      );
      expect(error.message).toMatch(/modifyJob/);
      expectTyped(
        await rejection(
          scheduler.rescheduleJob('keep', new IntervalTrigger({ seconds: 9 }), { coalesce: false } as never),
        ),
        InvalidArgumentError,
        'coalesce',
      );
      expect(await jobs()).toEqual(before);
      const moved = await scheduler.rescheduleJob('keep', 'interval', { seconds: 9, jobStore: 'default' });
      expect(moved.trigger.toString()).toContain('0:00:09');
      expect(moved.maxInstances).toBe(2);
      if (running) await scheduler.shutdown();
    }
  });

  it('printJobs refuses an out that is not a function', async () => {
    const { scheduler } = await withJob(true);
    const error = await rejection(scheduler.printJobs({ out: 42 as never }));
    expect(expectTyped(error, InvalidArgumentError, 'out').message).toMatch(/out 42: expected a function/);
  });

  it('args nested 20,000 deep give SerializationError for a persistent store, not a stack overflow', async () => {
    class DataStore extends MemoryJobStore {
      override readonly persistent = true;
    }
    const { scheduler } = setup({ jobStores: { default: new DataStore() } });
    await scheduler.registerTask('noop', () => undefined);
    for (const running of [false, true]) {
      if (running) await scheduler.start();
      const error = await rejection(
        scheduler.addJob('noop', 'interval', { seconds: 1, args: [nested(20_000)] }),
      );
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as Error).message).toMatch(/nested more than 1000 levels/);
      expect((error as Error).message.length).toBeLessThan(400);
      expect(await scheduler.getJobs()).toEqual([]);
    }
    const fine = await scheduler.addJob('noop', 'interval', { seconds: 1, args: [nested(500)] });
    expect(fine.id).toBeTypeOf('string');
  });

  it('a return value nested 20,000 deep is recorded as text, not a crash', async () => {
    const { clock, scheduler } = setup();
    await scheduler.start();
    await scheduler.addJob(() => nested(20_000), null, { id: 'deep' });
    await clock.advance(0);
    await expect.poll(async () => (await scheduler.getRuns('deep')).length, { timeout: 10_000 }).toBe(1);
    const [run] = await scheduler.getRuns('deep');
    expect(run?.outcome).toBe('success');
    expect(run?.returnValue).toBeTypeOf('string');
  });
});

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}
