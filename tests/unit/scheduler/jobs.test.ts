import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DateTrigger,
  EVENT_JOB_ADDED,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MODIFIED,
  EVENT_JOB_REMOVED,
  EVENT_ALL_JOBS_REMOVED,
  IntervalTrigger,
  JobLookupError,
  ConflictingIdError,
  type JobExecutionEvent,
} from '../../../src/index.js';
import { T0, at, codes, makeScheduler, useSchedulers } from './helpers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const setup = useSchedulers();

describe('addJob', () => {
  it('runs a function job on an interval alias with args', async () => {
    const { clock, scheduler } = setup();
    const seen: unknown[][] = [];
    const job = await scheduler.addJob((...args: unknown[]) => seen.push(args), 'interval', {
      seconds: 3,
      args: ['Beijing', 1],
      id: 'weather',
      name: 'fetch weather',
    });
    expect(job.id).toBe('weather');
    expect(job.name).toBe('fetch weather');
    expect(job.pending).toBe(true);
    await scheduler.start();
    await clock.advance(9000);
    expect(seen).toEqual([
      ['Beijing', 1],
      ['Beijing', 1],
      ['Beijing', 1],
    ]);
  });

  it('runs a job with no trigger once, right away, and then removes it', async () => {
    const { clock, scheduler, events } = setup();
    await scheduler.start();
    let runs = 0;
    await scheduler.addJob(() => runs++, null, { id: 'now' });
    await clock.advance(10);
    expect(runs).toBe(1);
    expect(await scheduler.getJob('now')).toBeNull();
    expect(codes(events)).toContain(EVENT_JOB_REMOVED);
    await clock.advance(10_000);
    expect(runs).toBe(1);
  });

  it('takes a Trigger instance and a date alias with a naive run date read in the scheduler zone', async () => {
    const { clock, scheduler } = setup({ timezone: 'Asia/Shanghai' });
    const fired: number[] = [];
    await scheduler.addJob(() => fired.push(clock.now()), 'date', { runDate: '2026-01-01 08:00:05' });
    await scheduler.addJob(() => fired.push(clock.now()), new DateTrigger({ runDate: at(7000) }));
    await scheduler.start();
    await clock.advance(10_000);
    // 08:00:05 in Shanghai (UTC+8) is 00:00:05 UTC.
    expect(fired).toEqual([T0 + 5000, T0 + 7000]);
  });

  it('resolves a module:export reference relative to baseDir, including dotted exports', async () => {
    const { clock, scheduler, events } = setup({ baseDir: fixtures });
    const results: unknown[] = [];
    scheduler.addListener((event) => results.push((event as JobExecutionEvent).retval), EVENT_JOB_EXECUTED);
    await scheduler.addJob('./tasks.mjs:record', 'date', { runDate: at(1000), args: [1, 2, 3] });
    await scheduler.addJob('./tasks.mjs:nested.greet', 'date', { runDate: at(2000), args: ['horae'] });
    await scheduler.start();
    await clock.advance(3000);
    expect(results).toEqual([3, 'hello horae']);
    expect(codes(events).filter((code) => code === EVENT_JOB_EXECUTED)).toHaveLength(2);
  });

  it('resolves an absolute module path and a registered task name', async () => {
    const { clock, scheduler } = setup();
    const seen: string[] = [];
    await scheduler.registerTask('send-report', (who: string) => seen.push(`report to ${who}`));
    await scheduler.addJob('send-report', 'date', { runDate: at(1000), args: ['boss'] });
    const job = await scheduler.addJob(`${join(fixtures, 'tasks.mjs')}:record`, 'date', {
      runDate: at(1000),
    });
    expect(job.name).toBe(`${join(fixtures, 'tasks.mjs')}:record`);
    await scheduler.start();
    await clock.advance(1000);
    expect(seen).toEqual(['report to boss']);
  });

  it('keeps jobs added before start and schedules them from the start time', async () => {
    const { clock, scheduler } = setup();
    await scheduler.addJob(() => undefined, 'interval', { minutes: 1, id: 'a' });
    await clock.advance(30_000);
    expect((await scheduler.getJob('a'))?.pending).toBe(true);
    await scheduler.start();
    const job = await scheduler.getJob('a');
    expect(job?.pending).toBe(false);
    expect(job?.nextRunTime).toEqual(at(90_000));
  });

  it('adds a job paused with nextRunTime: null and at a given time with a Date', async () => {
    const { scheduler } = setup();
    await scheduler.start();
    const paused = await scheduler.addJob(() => undefined, 'interval', { seconds: 5, nextRunTime: null });
    expect(paused.nextRunTime).toBeNull();
    const early = await scheduler.addJob(() => undefined, 'interval', { hours: 1, nextRunTime: at(10) });
    expect(early.nextRunTime).toEqual(at(10));
  });

  it('replaces an existing job with replaceExisting and refuses a duplicate id otherwise', async () => {
    const { scheduler } = setup();
    await scheduler.start();
    await scheduler.addJob(() => 'first', 'interval', { seconds: 5, id: 'dup', name: 'first' });
    await expect(scheduler.addJob(() => 'x', 'interval', { seconds: 5, id: 'dup' })).rejects.toBeInstanceOf(
      ConflictingIdError,
    );
    expect((await scheduler.getJob('dup'))?.name).toBe('first');
    await scheduler.addJob(() => 'second', 'interval', {
      seconds: 7,
      id: 'dup',
      name: 'second',
      replaceExisting: true,
    });
    const job = await scheduler.getJob('dup');
    expect(job?.name).toBe('second');
    expect(job?.trigger.toString()).toContain('0:00:07');
    expect((await scheduler.getJobs()).length).toBe(1);
  });

  it('applies jobDefaults and lets job options override them', async () => {
    const { scheduler } = setup({ jobDefaults: { coalesce: false, maxInstances: 3, misfireGraceTime: 30 } });
    const a = await scheduler.addJob(() => undefined, 'interval', { seconds: 1 });
    expect([a.coalesce, a.maxInstances, a.misfireGraceTime]).toEqual([false, 3, 30]);
    const b = await scheduler.addJob(() => undefined, 'interval', {
      seconds: 1,
      maxInstances: 1,
      misfireGraceTime: null,
    });
    expect([b.maxInstances, b.misfireGraceTime]).toEqual([1, null]);
    const { scheduler: plain } = makeScheduler();
    const c = await plain.addJob(() => undefined, 'interval', { seconds: 1 });
    expect([c.coalesce, c.maxInstances, c.misfireGraceTime]).toEqual([true, 1, 1]);
  });

  it('scheduledJob registers the decorated function and returns it unchanged', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    const tick = () => runs++;
    const decorated = scheduler.scheduledJob('interval', { seconds: 2, id: 'tick' })(tick);
    expect(decorated).toBe(tick);
    await scheduler.start();
    await clock.advance(4000);
    expect(runs).toBe(2);
  });
});

describe('job operations', () => {
  it('modifyJob changes options and emits EVENT_JOB_MODIFIED', async () => {
    const { clock, scheduler, events } = setup();
    const seen: unknown[] = [];
    await scheduler.start();
    await scheduler.addJob((x: unknown) => seen.push(x), 'interval', { seconds: 1, id: 'm', args: ['old'] });
    const job = await scheduler.modifyJob('m', { args: ['new'], name: 'renamed', maxInstances: 2 });
    expect(job.name).toBe('renamed');
    expect(codes(events)).toContain(EVENT_JOB_MODIFIED);
    await clock.advance(1000);
    expect(seen).toEqual(['new']);
    expect((await scheduler.getJob('m'))?.maxInstances).toBe(2);
  });

  it('rescheduleJob swaps the trigger and recomputes the next run time', async () => {
    const { clock, scheduler } = setup();
    await scheduler.start();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 10, id: 'r' });
    await clock.advance(4000);
    const job = await scheduler.rescheduleJob('r', 'interval', { minutes: 1 });
    expect(job.nextRunTime).toEqual(at(64_000));
    const again = await scheduler.rescheduleJob('r', new IntervalTrigger({ seconds: 2 }));
    expect(again.nextRunTime).toEqual(at(6000));
  });

  it('pauseJob stops runs until resumeJob, which schedules from now', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    await scheduler.start();
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1, id: 'p' });
    await clock.advance(2000);
    const paused = await scheduler.pauseJob('p');
    expect(paused.nextRunTime).toBeNull();
    await clock.advance(5000);
    expect(runs).toBe(2);
    const resumed = await scheduler.resumeJob('p');
    expect(resumed?.nextRunTime).toEqual(at(8000));
    await clock.advance(1000);
    expect(runs).toBe(3);
  });

  it('resumeJob removes a job whose trigger is exhausted and resolves to null', async () => {
    const { clock, scheduler } = setup();
    await scheduler.start();
    await scheduler.addJob(() => undefined, 'interval', {
      seconds: 1,
      endDate: at(3000),
      id: 'e',
      nextRunTime: null,
    });
    await clock.advance(5000);
    expect(await scheduler.resumeJob('e')).toBeNull();
    expect(await scheduler.getJob('e')).toBeNull();
  });

  it('removeJob and removeAllJobs remove jobs and emit events', async () => {
    const { scheduler, events } = setup();
    await scheduler.start();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 1, id: 'a' });
    await scheduler.addJob(() => undefined, 'interval', { seconds: 1, id: 'b' });
    await scheduler.removeJob('a');
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['b']);
    await scheduler.removeAllJobs();
    expect(await scheduler.getJobs()).toEqual([]);
    expect(codes(events)).toEqual(
      expect.arrayContaining([EVENT_JOB_ADDED, EVENT_JOB_REMOVED, EVENT_ALL_JOBS_REMOVED]),
    );
  });

  it('operations on an unknown id throw JobLookupError; getJob resolves to null', async () => {
    const { scheduler } = setup();
    await scheduler.start();
    expect(await scheduler.getJob('nope')).toBeNull();
    for (const call of [
      () => scheduler.modifyJob('nope', { name: 'x' }),
      () => scheduler.rescheduleJob('nope', 'interval', { seconds: 1 }),
      () => scheduler.pauseJob('nope'),
      () => scheduler.resumeJob('nope'),
      () => scheduler.removeJob('nope'),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobLookupError);
      expect((error as JobLookupError).code).toBe('ERR_JOB_LOOKUP');
      expect((error as JobLookupError).jobId).toBe('nope');
    }
  });

  it('operates on pending jobs before start', async () => {
    const { scheduler } = setup();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 1, id: 'p1' });
    await scheduler.addJob(() => undefined, 'interval', { seconds: 1, id: 'p2' });
    await scheduler.modifyJob('p1', { name: 'renamed' });
    await scheduler.removeJob('p2');
    const jobs = await scheduler.getJobs();
    expect(jobs.map((job) => [job.id, job.name, job.pending])).toEqual([['p1', 'renamed', true]]);
  });

  it('the Job handle modifies, reschedules, pauses, resumes and removes its job', async () => {
    const { clock, scheduler } = setup();
    await scheduler.start();
    const job = await scheduler.addJob(() => undefined, 'interval', { seconds: 10, id: 'h' });
    await job.modify({ name: 'handle' });
    expect(job.name).toBe('handle');
    await job.pause();
    expect(job.nextRunTime).toBeNull();
    await clock.advance(1000);
    await job.resume();
    expect(job.nextRunTime).toEqual(at(11_000));
    await job.reschedule('interval', { seconds: 2 });
    expect(job.nextRunTime).toEqual(at(3000));
    await job.remove();
    expect(await scheduler.getJob('h')).toBeNull();
  });

  it('getJobs orders by next run time with paused jobs last, and filters by store', async () => {
    const { scheduler } = setup();
    await scheduler.addJobStore({ type: 'memory' }, 'other');
    await scheduler.start();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 30, id: 'late' });
    await scheduler.addJob(() => undefined, 'interval', { seconds: 10, id: 'paused', nextRunTime: null });
    await scheduler.addJob(() => undefined, 'interval', { seconds: 5, id: 'early' });
    await scheduler.addJob(() => undefined, 'interval', { seconds: 1, id: 'elsewhere', jobStore: 'other' });
    expect((await scheduler.getJobs({ jobStore: 'default' })).map((job) => job.id)).toEqual([
      'early',
      'late',
      'paused',
    ]);
    expect((await scheduler.getJobs({ jobStore: 'other' })).map((job) => job.id)).toEqual(['elsewhere']);
    expect((await scheduler.getJob('elsewhere'))?.jobStore).toBe('other');
  });

  it('printJobs lists each store with triggers and next run times', async () => {
    const { scheduler } = setup();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 3, id: 'tick', name: 'tick' });
    const before = await scheduler.printJobs({ out: () => undefined });
    expect(before).toContain('Pending jobs:');
    expect(before).toContain('tick (trigger: interval[0:00:03], pending)');
    await scheduler.start();
    const lines: string[] = [];
    const text = await scheduler.printJobs({ out: (line) => lines.push(line) });
    expect(lines).toEqual([
      'Jobstore default:',
      '    tick (trigger: interval[0:00:03], next run at: 2026-01-01 00:00:03 UTC)',
    ]);
    expect(text).toBe(lines.join('\n'));
  });
});
