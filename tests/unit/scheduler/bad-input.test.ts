import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictingIdError,
  FunctionLookupError,
  HoraeError,
  IntervalTrigger,
  InvalidArgumentError,
  InvalidTriggerError,
  JobLookupError,
  SchedulerAlreadyRunningError,
  type Scheduler,
} from '../../../src/index.js';
import { makeScheduler } from './helpers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures');

describe('bad input never changes or loses a job', () => {
  let scheduler: Scheduler;
  let snapshot: string;

  const describeJobs = async () =>
    JSON.stringify(
      (await scheduler.getJobs()).map((job) => [
        job.id,
        job.name,
        job.nextRunTime,
        job.args,
        job.trigger.toString(),
      ]),
    );

  beforeAll(async () => {
    ({ scheduler } = makeScheduler({ baseDir: fixtures }));
    await scheduler.start();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 5, id: 'keep', args: [1] });
    await scheduler.addJob('./tasks.mjs:record', 'interval', { minutes: 1, id: 'ref' });
    snapshot = await describeJobs();
  });

  afterAll(async () => {
    await scheduler.shutdown();
  });

  async function expectRejected<E extends HoraeError>(
    promise: Promise<unknown>,
    type: new (...a: never[]) => E,
  ) {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect(await describeJobs()).toBe(snapshot);
    return error as E;
  }

  it('an unknown trigger alias lists the valid ones', async () => {
    const error = await expectRejected(
      scheduler.addJob(() => undefined, 'intervall' as 'interval', { seconds: 1 }),
      InvalidTriggerError,
    );
    expect(error.message).toContain('"intervall"');
    expect(error.message).toMatch(/date.*interval/);
    expect(error.code).toBe('ERR_INVALID_TRIGGER');
  });

  it('an unknown option key is named, for the alias and for a trigger instance', async () => {
    const second = await expectRejected(
      scheduler.addJob(() => undefined, 'interval', { second: 5 } as never),
      InvalidArgumentError,
    );
    expect(second.field).toBe('second');
    expect(second.message).toContain('"second"');
    const typo = await expectRejected(
      scheduler.addJob(() => undefined, 'interval', { minuts: 5 } as never),
      InvalidArgumentError,
    );
    expect(typo.message).toContain('"minuts"');
    expect(typo.message).toContain('minutes');
    const onInstance = await expectRejected(
      scheduler.addJob(() => undefined, new IntervalTrigger({ seconds: 1 }), { seconds: 5 } as never),
      InvalidArgumentError,
    );
    expect(onInstance.field).toBe('seconds');
    expect(() => new IntervalTrigger({ minuts: 5 } as never)).toThrow(/"minuts"/);
  });

  it('a negative or zero interval is refused', async () => {
    const zero = await expectRejected(
      scheduler.addJob(() => undefined, 'interval', { seconds: 0 }),
      InvalidTriggerError,
    );
    expect(zero.message).toMatch(/positive/);
    const negative = await expectRejected(
      scheduler.addJob(() => undefined, 'interval', { minutes: -1 }),
      InvalidTriggerError,
    );
    expect(negative.field).toBe('minutes');
    await expectRejected(
      scheduler.addJob(() => undefined, 'interval', {}),
      InvalidTriggerError,
    );
  });

  it('an end date before the start date is refused', async () => {
    const error = await expectRejected(
      scheduler.addJob(() => undefined, 'interval', {
        seconds: 1,
        startDate: '2026-02-01',
        endDate: '2026-01-01',
      }),
      InvalidTriggerError,
    );
    expect(error.field).toBe('endDate');
    await expectRejected(
      scheduler.addJob(() => undefined, 'date', { runDate: 'tomorrow' }),
      InvalidTriggerError,
    );
    await expectRejected(
      scheduler.addJob(() => undefined, 'interval', { seconds: 1, timezone: 'Mars/Olympus' }),
      InvalidTriggerError,
    );
  });

  it('a func that is neither a function nor a string is refused', async () => {
    for (const bad of [42, null, {}, '']) {
      const error = await expectRejected(
        scheduler.addJob(bad as never, 'interval', { seconds: 1 }),
        InvalidArgumentError,
      );
      expect(error.field).toBe('func');
    }
  });

  it('a reference to a missing module or export names both', async () => {
    const missingModule = await expectRejected(
      scheduler.addJob('./no-such-module.mjs:run', 'interval', { seconds: 1 }),
      FunctionLookupError,
    );
    expect(missingModule.module).toBe('./no-such-module.mjs');
    expect(missingModule.message).toContain('./no-such-module.mjs');
    expect(missingModule.message).toContain('./no-such-module.mjs:run');
    const missingExport = await expectRejected(
      scheduler.addJob('./tasks.mjs:nothingHere', 'interval', { seconds: 1 }),
      FunctionLookupError,
    );
    expect(missingExport.exportName).toBe('nothingHere');
    expect(missingExport.message).toContain('"nothingHere"');
    expect(missingExport.message).toContain('record');
    const notFunction = await expectRejected(
      scheduler.addJob('./tasks.mjs:notAFunction', 'interval', { seconds: 1 }),
      FunctionLookupError,
    );
    expect(notFunction.message).toMatch(/not a function/);
    const unknownTask = await expectRejected(
      scheduler.addJob('no-such-task', 'interval', { seconds: 1 }),
      FunctionLookupError,
    );
    expect(unknownTask.message).toMatch(/registered task/);
  });

  it('a duplicate id without replaceExisting is refused', async () => {
    const error = await expectRejected(
      scheduler.addJob(() => undefined, 'interval', { seconds: 9, id: 'keep' }),
      ConflictingIdError,
    );
    expect(error.jobId).toBe('keep');
  });

  it('invalid job options are refused with the field named', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ misfireGraceTime: -1 }, 'misfireGraceTime'],
      [{ maxInstances: 0 }, 'maxInstances'],
      [{ coalesce: 'yes' }, 'coalesce'],
      [{ args: 'notarray' }, 'args'],
      [{ id: '' }, 'id'],
      [{ nextRunTime: 'someday' }, 'nextRunTime'],
      [{ timeout: 0 }, 'timeout'],
      [{ retry: { attempts: 0 } }, 'retry.attempts'],
    ];
    for (const [options, field] of cases) {
      const error = await expectRejected(
        scheduler.addJob(() => undefined, 'interval', { seconds: 1, ...options }),
        InvalidArgumentError,
      );
      expect(error.field).toBe(field);
    }
  });

  it('operations on an unknown id, bad modifications and configure() while running change nothing', async () => {
    await expectRejected(scheduler.removeJob('ghost'), JobLookupError);
    await expectRejected(scheduler.modifyJob('keep', { maxInstances: -3 }), InvalidArgumentError);
    await expectRejected(scheduler.modifyJob('keep', { id: 'other' } as never), InvalidArgumentError);
    await expectRejected(scheduler.modifyJob('keep', { func: './tasks.mjs:missing' }), FunctionLookupError);
    await expectRejected(scheduler.rescheduleJob('keep', 'interval', { seconds: -1 }), InvalidTriggerError);
    await expectRejected(scheduler.start(), SchedulerAlreadyRunningError);
    expect(() => scheduler.configure({ timezone: 'UTC' })).toThrow(SchedulerAlreadyRunningError);
    expect(await describeJobs()).toBe(snapshot);
  });

  it('a trigger that can never fire is refused at addJob, also before start', async () => {
    const { AndTrigger, CronTrigger } = await import('../../../src/index.js');
    const never = () =>
      new AndTrigger([
        new CronTrigger({ month: 2, day: 1, timezone: 'UTC' }),
        new CronTrigger({ month: 3, day: 1, timezone: 'UTC' }),
      ]);
    await expectRejected(
      scheduler.addJob(() => undefined, never()),
      InvalidTriggerError,
    );
    const { scheduler: stopped } = makeScheduler();
    await expect(stopped.addJob(() => undefined, never())).rejects.toBeInstanceOf(InvalidTriggerError);
    expect(await stopped.getJobs()).toEqual([]);
  });

  it('args a persistent store cannot keep are refused at addJob, before and after start', async () => {
    const { MemoryJobStore, SerializationError } = await import('../../../src/index.js');
    // The memory store's logic with a persistent store's rules (jobs are data).
    class DataStore extends MemoryJobStore {
      override readonly persistent = true;
    }
    for (const started of [false, true]) {
      const { scheduler: strict } = makeScheduler({
        jobStores: { default: new DataStore() },
        baseDir: fixtures,
      });
      if (started) await strict.start();
      for (const args of [[() => 1], [new Map()], [1n], [{ a: undefined }], [NaN]]) {
        const error = await strict
          .addJob('./tasks.mjs:record', 'interval', { seconds: 1, args })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SerializationError);
      }
      const closure = await strict.addJob(() => 1, 'interval', { seconds: 1 }).catch((e: unknown) => e);
      expect(closure).toBeInstanceOf(SerializationError);
      expect((closure as Error).message).toMatch(/module:export/);
      expect(await strict.getJobs()).toEqual([]);
      if (started) await strict.shutdown();
    }
    const { scheduler: byUrl } = makeScheduler({ jobStores: { default: 'sqlite::memory:' } });
    await expect(byUrl.addJob(() => 1, 'interval', { seconds: 1 })).rejects.toBeInstanceOf(
      SerializationError,
    );
  });

  it('unknown scheduler options are refused by name', () => {
    expect(() => makeScheduler({ timeZone: 'UTC' } as never)).toThrow(/"timeZone"/);
  });
});
