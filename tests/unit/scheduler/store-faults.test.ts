import { describe, expect, it } from 'vitest';
import {
  EVENT_JOBSTORE_ERROR,
  EVENT_JOB_UNREADABLE,
  MemoryJobStore,
  SerializationError,
  type ActiveRun,
  type JobRelease,
  type ReleaseResult,
  type JobState,
  type JobStoreContext,
  type JobStoreErrorEvent,
  type JobUnreadableEvent,
} from '../../../src/index.js';
import { collectingLogger } from '../../helpers/jobs.js';
import { T0, makeScheduler } from './helpers.js';

/** The memory store, with failures switched on and off by the test (a database going away). */
class FlakyStore extends MemoryJobStore {
  failAcquire = 0;
  failRelease = 0;
  loseReply = 0;
  context: JobStoreContext | undefined;
  override async start(context: JobStoreContext): Promise<void> {
    this.context = context;
  }
  override async acquireDueJobs(id: string, now: Date, lease: number, limit: number): Promise<JobState[]> {
    if (this.failAcquire > 0) {
      this.failAcquire--;
      throw new Error('connection refused');
    }
    return super.acquireDueJobs(id, now, lease, limit);
  }
  override async releaseJobs(id: string, releases: JobRelease[], runs?: ActiveRun[]): Promise<ReleaseResult> {
    if (this.failRelease > 0) {
      this.failRelease--;
      throw new Error('connection reset');
    }
    if (this.loseReply > 0) {
      // The store did the work; its reply was lost.
      this.loseReply--;
      await super.releaseJobs(id, releases, runs);
      throw new Error('connection reset');
    }
    return super.releaseJobs(id, releases, runs);
  }
  override async lookupJob(id: string): Promise<JobState | null> {
    if (id === 'garbled') throw new SerializationError('Stored job "garbled" cannot be read');
    return super.lookupJob(id);
  }
}

describe('a failing job store', () => {
  it('is retried with exponential backoff, reported by events, and the job runs when it is back', async () => {
    const store = new FlakyStore();
    const { clock, scheduler, events } = makeScheduler({ jobStores: { default: store } });
    const fired: number[] = [];
    await scheduler.addJob(() => fired.push(clock.now() - T0), 'date', {
      runDate: new Date(T0 + 1000),
      misfireGraceTime: 60,
    });
    await scheduler.start();
    store.failAcquire = 3;
    await clock.advance(20_000);
    const failures = events.filter(
      (event): event is JobStoreErrorEvent => event.code === EVENT_JOBSTORE_ERROR,
    );
    expect(failures.map((event) => [event.failures, event.retryIn])).toEqual([
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ]);
    expect(failures[0]?.alias).toBe('default');
    // Down at 1 s, retried at 2 s, 4 s and 8 s: the run happens at the first good attempt.
    expect(fired).toEqual([8000]);
    await scheduler.shutdown();
  });

  it('keeps the releases it could not write and writes them first, so no run is lost or repeated', async () => {
    const store = new FlakyStore();
    const { clock, scheduler } = makeScheduler({ jobStores: { default: store } });
    const fired: number[] = [];
    await scheduler.addJob(() => fired.push(clock.now() - T0), 'interval', {
      seconds: 10,
      id: 'tick',
      misfireGraceTime: 60,
    });
    await scheduler.start();
    store.failRelease = 2;
    await clock.advance(35_000);
    // A run starts only once the store holds it: the 10 s run waited for its release (with the
    // run) to be written at the second retry (13 s), ran once then, and the schedule went on.
    expect(fired).toEqual([13_000, 20_000, 30_000]);
    expect((await scheduler.getJob('tick'))?.nextRunTime?.getTime()).toBe(T0 + 40_000);
    await scheduler.shutdown();
  });
});

describe('a release whose reply is lost', () => {
  it('ends the run it had stored, never started, and says so', async () => {
    const store = new FlakyStore();
    const logger = collectingLogger();
    const { clock, scheduler } = makeScheduler({ jobStores: { default: store }, logger });
    const fired: number[] = [];
    await scheduler.addJob(() => fired.push(clock.now() - T0), 'interval', {
      seconds: 10,
      id: 'tick',
      misfireGraceTime: 60,
    });
    await scheduler.start();
    store.loseReply = 1;
    await clock.advance(25_000);
    // The 10 s run was stored with its release, but its node never learnt so: it did not run, it
    // is not left held in the store, and the log names it. The schedule went on.
    expect(fired).toEqual([20_000]);
    expect(await store.getActiveRuns()).toEqual([]);
    expect(logger.lines.some((line) => line.level === 'warn' && line.message.includes('"tick"'))).toBe(true);
    await scheduler.shutdown();
  });
});

describe('an unreadable stored job', () => {
  it('is reported as EVENT_JOB_UNREADABLE through the store context', async () => {
    const store = new FlakyStore();
    const { scheduler, events } = makeScheduler({ jobStores: { default: store } });
    scheduler.on('job_unreadable', () => undefined);
    await scheduler.start();
    const error = new SerializationError('unknown trigger type "sundial"');
    store.context?.reportUnreadableJob?.('garbled', error);
    const reported = events.filter(
      (event): event is JobUnreadableEvent => event.code === EVENT_JOB_UNREADABLE,
    );
    expect(reported).toEqual([
      { code: EVENT_JOB_UNREADABLE, jobId: 'garbled', jobStore: 'default', exception: error },
    ]);
    await scheduler.shutdown();
  });

  it('can still be removed through the scheduler', async () => {
    const store = new FlakyStore();
    const { scheduler } = makeScheduler({ jobStores: { default: store } });
    await scheduler.start();
    await store.addJob({
      id: 'garbled',
      name: 'garbled',
      func: () => undefined,
      trigger: (await scheduler.addJob(() => undefined, 'interval', { seconds: 1, id: 'donor' })).trigger,
      executor: 'default',
      args: [],
      misfireGraceTime: 1,
      coalesce: true,
      maxInstances: 1,
      nextRunTime: null,
      nextFireTime: null,
      timeout: null,
      retry: null,
    });
    await expect(scheduler.getJob('garbled')).rejects.toBeInstanceOf(SerializationError);
    await scheduler.removeJob('garbled');
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['donor']);
    await scheduler.shutdown();
  });
});
