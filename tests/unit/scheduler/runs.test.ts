import { describe, expect, it } from 'vitest';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  EVENT_JOB_SUBMITTED,
  IntervalTrigger,
  MAX_CATCH_UP_RUNS,
  currentJob,
  type JobContext,
  type JobExecutionEvent,
  Scheduler,
  silentLogger,
} from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { T0, at, useSchedulers } from './helpers.js';

const setup = useSchedulers();

function of(events: unknown[], code: number): JobExecutionEvent[] {
  return (events as JobExecutionEvent[]).filter((event) => event.code === code);
}

describe('misfires and coalescing', () => {
  it('skips a run later than misfireGraceTime with EVENT_JOB_MISSED and runs one within it', async () => {
    const { clock, scheduler, events } = setup();
    let runs = 0;
    await scheduler.addJob(() => runs++, 'date', { runDate: at(1000), misfireGraceTime: 5, id: 'in-grace' });
    await scheduler.addJob(() => runs++, 'date', { runDate: at(1000), misfireGraceTime: 1, id: 'too-late' });
    await scheduler.start();
    // The machine sleeps through the run time: the clock jumps 4 s past it without timers firing.
    clock.jump(T0 + 5000);
    scheduler.wakeup();
    await clock.advance(0);
    expect(runs).toBe(1);
    const missed = of(events, EVENT_JOB_MISSED);
    expect(missed.map((event) => [event.jobId, event.scheduledRunTime])).toEqual([['too-late', at(1000)]]);
  });

  it('with coalesce, runs a backlog once at the latest due time', async () => {
    const { clock, scheduler, events } = setup();
    const times: Date[] = [];
    await scheduler.addJob(() => times.push(currentJob()!.scheduledRunTime), 'interval', {
      seconds: 1,
      coalesce: true,
      misfireGraceTime: null,
    });
    await scheduler.start();
    clock.jump(T0 + 5500);
    scheduler.wakeup();
    await clock.advance(0);
    expect(times).toEqual([at(5000)]);
    expect(of(events, EVENT_JOB_MISSED)).toHaveLength(0);
  });

  it('without coalesce, runs every due time of the backlog in order', async () => {
    const { clock, scheduler } = setup();
    const times: number[] = [];
    await scheduler.addJob(() => times.push(currentJob()!.scheduledRunTime.getTime() - T0), 'interval', {
      seconds: 1,
      coalesce: false,
      misfireGraceTime: null,
    });
    await scheduler.start();
    clock.jump(T0 + 5500);
    scheduler.wakeup();
    await clock.advance(0);
    expect(times).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  it('without coalesce, reports each backlog run past the grace time as missed', async () => {
    const { clock, scheduler, events } = setup();
    let runs = 0;
    await scheduler.addJob(() => runs++, 'interval', { seconds: 1, coalesce: false, misfireGraceTime: 2.5 });
    await scheduler.start();
    clock.jump(T0 + 5500);
    scheduler.wakeup();
    await clock.advance(0);
    // Due: 1,2,3,4,5 s at 5.5 s. Lateness 4.5, 3.5 and 2.5+ exceed 2.5 s except 3.0 (=2.5) is not > 2.5.
    expect(of(events, EVENT_JOB_MISSED).map((e) => e.scheduledRunTime.getTime() - T0)).toEqual([1000, 2000]);
    expect(runs).toBe(3);
  });

  it('bounds catch-up after a year of downtime at one run per second', async () => {
    const { clock, scheduler, events } = setup();
    let runs = 0;
    const job = await scheduler.addJob(
      () => runs++,
      new IntervalTrigger({ seconds: 1, startDate: at(1000) }),
      {
        coalesce: false,
        misfireGraceTime: null,
      },
    );
    await scheduler.start();
    const year = 365 * 86_400_000;
    clock.jump(T0 + year + 500);
    const started = performance.now();
    scheduler.wakeup();
    await clock.advance(0);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(runs).toBe(MAX_CATCH_UP_RUNS);
    expect(of(events, EVENT_JOB_EXECUTED)).toHaveLength(MAX_CATCH_UP_RUNS);
    // The schedule continues from the present, on the interval's phase.
    expect((await scheduler.getJob(job.id))?.nextRunTime).toEqual(at(year + 1000));
  });
});

describe('execution', () => {
  it('runs async functions and reports their return value', async () => {
    const { clock, scheduler, events } = setup();
    await scheduler.addJob(async (x: number) => x * 2, 'date', { runDate: at(100), args: [21] });
    await scheduler.start();
    await clock.advance(100);
    const [executed] = of(events, EVENT_JOB_EXECUTED);
    expect(executed?.retval).toBe(42);
    expect(executed?.scheduledRunTime).toEqual(at(100));
  });

  it('turns a throwing or rejecting job into EVENT_JOB_ERROR with its stack and keeps the scheduler going', async () => {
    const { clock, scheduler, events } = setup();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await scheduler.addJob(
        () => {
          throw new TypeError('sync boom');
        },
        'interval',
        { seconds: 1, id: 'sync' },
      );
      await scheduler.addJob(async () => Promise.reject(new RangeError('async boom')), 'interval', {
        seconds: 1,
        id: 'async',
      });
      await scheduler.start();
      await clock.advance(3000);
      const errors = of(events, EVENT_JOB_ERROR);
      expect(errors).toHaveLength(6);
      const first = errors.find((event) => event.jobId === 'sync');
      expect(first?.exception).toBeInstanceOf(TypeError);
      expect(first?.traceback).toContain('sync boom');
      expect(errors.find((event) => event.jobId === 'async')?.exception).toBeInstanceOf(RangeError);
      expect(scheduler.state).toBe('running');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('skips a run at maxInstances with EVENT_JOB_MAX_INSTANCES and advances the schedule', async () => {
    const { clock, scheduler, events } = setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const job = await scheduler.addJob(
      async () => {
        started++;
        await gate;
      },
      'interval',
      { seconds: 1, maxInstances: 2 },
    );
    await scheduler.start();
    await clock.advance(4000);
    expect(started).toBe(2);
    expect(of(events, EVENT_JOB_MAX_INSTANCES)).toHaveLength(2);
    expect(of(events, EVENT_JOB_SUBMITTED)).toHaveLength(2);
    expect((await scheduler.getJob(job.id))?.nextRunTime).toEqual(at(5000));
    release();
    await clock.advance(1000);
    expect(started).toBe(3);
  });

  it('bounds concurrency with maxConcurrency and queues the rest', async () => {
    const { clock, scheduler } = setup({ executors: { default: { type: 'async', maxConcurrency: 2 } } });
    let active = 0;
    let peak = 0;
    let done = 0;
    const gates: (() => void)[] = [];
    for (let i = 0; i < 5; i++) {
      await scheduler.addJob(
        async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise<void>((resolve) => gates.push(resolve));
          active--;
          done++;
        },
        'date',
        { runDate: at(100), misfireGraceTime: null },
      );
    }
    await scheduler.start();
    await clock.advance(100);
    expect(active).toBe(2);
    while (done < 5) {
      gates.shift()?.();
      await clock.advance(0);
    }
    expect(peak).toBe(2);
  });

  it('gives the running job its context without changing its arguments', async () => {
    const { clock, scheduler } = setup();
    const seen: { args: unknown[]; context: JobContext | undefined }[] = [];
    await scheduler.addJob(
      async (...args: unknown[]) => {
        await Promise.resolve();
        seen.push({ args, context: currentJob() });
      },
      'date',
      { runDate: at(250), args: ['a'], id: 'ctx' },
    );
    expect(currentJob()).toBeUndefined();
    await scheduler.start();
    await clock.advance(250);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.args).toEqual(['a']);
    expect(seen[0]?.context).toMatchObject({ jobId: 'ctx', jobStore: 'default', executor: 'default' });
    expect(seen[0]?.context?.scheduledRunTime).toEqual(at(250));
    expect(seen[0]?.context?.signal.aborted).toBe(false);
  });

  it('aborts the running job signal on shutdown({ wait: false })', async () => {
    const { clock, scheduler } = setup();
    let signal: AbortSignal | undefined;
    await scheduler.addJob(
      () =>
        new Promise<void>((resolve) => {
          signal = currentJob()!.signal;
          signal.addEventListener('abort', () => resolve());
        }),
      'date',
      { runDate: at(10) },
    );
    await scheduler.start();
    await clock.advance(10);
    expect(signal?.aborted).toBe(false);
    await scheduler.shutdown({ wait: false });
    expect(signal?.aborted).toBe(true);
  });

  it('shutdown({ wait: true }) waits for running jobs to finish', async () => {
    const { clock, scheduler } = setup();
    let finished = false;
    await scheduler.addJob(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished = true;
      },
      'date',
      { runDate: at(10) },
    );
    await scheduler.start();
    await clock.advance(10);
    expect(finished).toBe(false);
    await scheduler.shutdown();
    expect(finished).toBe(true);
  });

  it('records each run in the run history, newest first', async () => {
    const { clock, scheduler } = setup();
    let n = 0;
    await scheduler.addJob(
      () => {
        n++;
        if (n === 2) throw new Error('second fails');
        return n;
      },
      'interval',
      { seconds: 1, id: 'hist' },
    );
    await scheduler.start();
    await clock.advance(3000);
    const runs = await scheduler.getRuns('hist');
    expect(runs.map((run) => [run.outcome, run.scheduledRunTime.getTime() - T0, run.returnValue])).toEqual([
      ['success', 3000, 3],
      ['error', 2000, null],
      ['success', 1000, 1],
    ]);
    expect(runs[1]?.error?.message).toBe('second fails');
    expect(await scheduler.getRuns('hist', { limit: 1 })).toHaveLength(1);
  });

  it('records run history even when nobody listens for events', async () => {
    const clock = new FakeClock(T0);
    const quiet = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC' });
    setup.track(quiet);
    await quiet.addJob(() => 'ok', 'interval', { seconds: 1, id: 'unheard' });
    await quiet.start();
    await clock.advance(2000);
    expect((await quiet.getRuns('unheard')).map((run) => run.outcome)).toEqual(['success', 'success']);
  });
});
