// `Scheduler.runJob` and `Job.runNow`: one run now, on the path of scheduled runs, leaving the
// job's schedule alone.
import { describe, expect, it } from 'vitest';
import {
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_SUBMITTED,
  JobLookupError,
  LookupError,
  MaxInstancesReachedError,
  SchedulerNotRunningError,
  currentJob,
  type JobExecutionEvent,
} from '../../../src/index.js';
import { T0, at, rejection, useSchedulers } from './helpers.js';

const setup = useSchedulers();

describe('runJob', () => {
  it('runs the job now, once, recorded as manual, and leaves its next run time as it was', async () => {
    const { clock, scheduler, events } = setup();
    const runs: number[] = [];
    await scheduler.addJob(() => runs.push(currentJob()!.scheduledRunTime.getTime() - T0), 'interval', {
      hours: 1,
      id: 'hourly',
    });
    await scheduler.start();
    await clock.advance(5000);
    await scheduler.runJob('hourly');
    await clock.advance(0);
    expect(runs).toEqual([5000]);
    expect((await scheduler.getJob('hourly'))?.nextRunTime).toEqual(at(3_600_000));
    const submitted = events.find((event) => event.code === EVENT_JOB_SUBMITTED);
    expect(submitted).toMatchObject({ jobId: 'hourly', scheduledRunTimes: [at(5000)], manual: true });
    expect(events.filter((event) => event.code === EVENT_JOB_EXECUTED)).toHaveLength(1);
    const [record] = await scheduler.getRuns('hourly');
    expect(record).toMatchObject({ outcome: 'success', manual: true, scheduledRunTime: at(5000) });
    // The schedule goes on: the hourly run comes at its time and is not manual.
    await clock.advance(3_600_000 - 5000);
    expect(runs).toEqual([5000, 3_600_000]);
    expect((await scheduler.getRuns('hourly')).map((run) => run.manual)).toEqual([false, true]);
  });

  it('runs a paused job and keeps it paused; works while the scheduler is paused', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    const job = await scheduler.addJob(() => runs++, 'interval', { minutes: 1, nextRunTime: null });
    await scheduler.start({ paused: true });
    await job.runNow();
    await clock.advance(0);
    expect(runs).toBe(1);
    expect((await scheduler.getJob(job.id))?.nextRunTime).toBeNull();
  });

  it('obeys maxInstances: refuses with MaxInstancesReachedError and EVENT_JOB_MAX_INSTANCES', async () => {
    const { clock, scheduler, events } = setup();
    let finish: () => void = () => undefined;
    await scheduler.addJob(() => new Promise<void>((resolve) => (finish = resolve)), 'interval', {
      hours: 1,
      id: 'slow',
      maxInstances: 1,
    });
    await scheduler.start();
    await scheduler.runJob('slow');
    await clock.advance(0);
    const error = await rejection(scheduler.runJob('slow'));
    expect(error).toBeInstanceOf(MaxInstancesReachedError);
    expect(error).toMatchObject({ jobId: 'slow', maxInstances: 1 });
    expect(events.filter((event) => event.code === EVENT_JOB_MAX_INSTANCES)).toMatchObject([
      { jobId: 'slow', manual: true },
    ]);
    finish();
    await clock.advance(0);
    await scheduler.runJob('slow');
  });

  it('counts with the scheduled run in progress: maxInstances holds across both', async () => {
    const { clock, scheduler } = setup();
    await scheduler.addJob(() => new Promise(() => undefined), 'interval', { seconds: 10, id: 'busy' });
    await scheduler.start();
    await clock.advance(10_000);
    expect(await rejection(scheduler.runJob('busy'))).toBeInstanceOf(MaxInstancesReachedError);
  });

  it('times out and retries as a scheduled run does, and its failure is on record as manual', async () => {
    const { clock, scheduler, events } = setup();
    let attempts = 0;
    await scheduler.addJob(
      () => {
        attempts++;
        return new Promise(() => undefined);
      },
      'interval',
      { hours: 1, id: 'hangs', timeout: 2, retry: { attempts: 2, delay: 1, backoff: 'fixed' } },
    );
    await scheduler.start();
    await scheduler.runJob('hangs');
    await clock.advance(2000);
    expect(attempts).toBe(1);
    await clock.advance(1000);
    await clock.advance(2000);
    expect(attempts).toBe(2);
    const [record] = await scheduler.getRuns('hangs');
    expect(record).toMatchObject({ outcome: 'timeout', manual: true });
    expect(events.some((event) => event.code === EVENT_JOB_EXECUTED)).toBe(false);
  });

  it('rejects an unknown id, a stopped scheduler, and a job whose executor is missing', async () => {
    const { scheduler } = setup();
    const job = await scheduler.addJob(() => 1, 'interval', { hours: 1, id: 'j' });
    expect(await rejection(scheduler.runJob('j'))).toBeInstanceOf(SchedulerNotRunningError);
    await scheduler.start();
    expect(await rejection(scheduler.runJob('nope'))).toBeInstanceOf(JobLookupError);
    expect(await rejection(scheduler.runJob('j', { jobStore: 'other' }))).toBeInstanceOf(JobLookupError);
    await scheduler.addExecutor({ type: 'async' }, 'spare');
    await job.modify({ executor: 'spare' });
    await scheduler.removeExecutor('spare');
    const error = await rejection(scheduler.runJob('j'));
    expect(error).toBeInstanceOf(LookupError);
    expect((error as Error).message).toMatch(/Executor "spare" .* was not found/);
    const [record] = await scheduler.getRuns('j');
    expect(record).toMatchObject({ outcome: 'error', manual: true });
    const executed = (await scheduler.getRuns('j')).filter((run) => run.outcome === 'success');
    expect(executed).toEqual([]);
  });

  it('emits job_executed for the run like a scheduled one', async () => {
    const { clock, scheduler, events } = setup();
    await scheduler.addJob(() => 42, 'interval', { hours: 1, id: 'answer' });
    await scheduler.start();
    await scheduler.runJob('answer');
    await clock.advance(0);
    const executed = events.filter((event) => event.code === EVENT_JOB_EXECUTED) as JobExecutionEvent[];
    expect(executed).toMatchObject([{ jobId: 'answer', retval: 42, scheduledRunTime: at(0) }]);
  });
});
