// The unreadable-job part of the JobStore contract (`JobStoreContext.reportUnreadableJob`), run by
// `runJobStoreConformance` for every store. A persistent store must plant an unreadable job (its
// `corruptJob` hook); the suite checks that the store reports it, keeps it and passes over it. A
// store that keeps jobs as live objects cannot hold one: the suite checks that it hands back any
// job as given and never reports one, which fails the day such a store starts serializing.
import { describe, expect, it } from 'vitest';
import { ConflictingIdError, SerializationError } from '../../src/errors.js';
import { EVENT_JOB_UNREADABLE, type JobUnreadableEvent } from '../../src/events/events.js';
import type { JobState } from '../../src/job-state.js';
import { silentLogger } from '../../src/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { JobStore } from '../../src/stores/job-store.js';
import { FakeClock } from '../../src/testing.js';
import type { Trigger, TriggerJSON } from '../../src/triggers/trigger.js';
import { T0, makeJob } from '../helpers/jobs.js';

/** How a store meets the unreadable-job contract; see `JobStoreConformanceOptions.unreadableJobs`. */
export type UnreadableJobs =
  | {
      /**
       * Overwrites the stored document of job `id` (already added to `store`) with one that
       * `deserializeJob` cannot read, keeping its next run time.
       */
      corruptJob(store: JobStore, id: string): Promise<void>;
    }
  | 'kept as objects';

/** What the main suite shares with these tests: the started store of the test, and its reports. */
export interface UnreadableJobsFixture {
  store(): JobStore;
  /** What the store passed to its context's `reportUnreadableJob` hook in this test. */
  reports(): { jobId: string; error: unknown }[];
  makeStore(): JobStore | Promise<JobStore>;
}

const A = 'scheduler-a';
const B = 'scheduler-b';
const LEASE = 60_000;

const ids = (jobs: JobState[]) => jobs.map((job) => job.id);

export function unreadableJobTests(unreadable: UnreadableJobs, fixture: UnreadableJobsFixture): void {
  describe('unreadable jobs', () => {
    it('states the contract that fits the store: persistent stores can hold an unreadable job', () => {
      expect(fixture.store().persistent).toBe(unreadable !== 'kept as objects');
    });
    if (unreadable === 'kept as objects') keptAsObjects(fixture);
    else persistent(unreadable.corruptJob, fixture);
  });
}

/** The ids the store reported, each with a `SerializationError`. */
function reported(fixture: UnreadableJobsFixture): string[] {
  const reports = fixture.reports();
  for (const report of reports) expect(report.error).toBeInstanceOf(SerializationError);
  return reports.map((report) => report.jobId);
}

function persistent(
  corruptJob: (store: JobStore, id: string) => Promise<void>,
  fixture: UnreadableJobsFixture,
): void {
  it('reports an unreadable job and keeps it out of the list', async () => {
    const store = fixture.store();
    await store.addJob(makeJob('good', T0 + 1000));
    await store.addJob(makeJob('bad', T0));
    await corruptJob(store, 'bad');
    expect(ids(await store.getAllJobs())).toEqual(['good']);
    expect(reported(fixture)).toEqual(['bad']);
    // Kept, not deleted: the id is still taken.
    await expect(store.addJob(makeJob('bad', T0))).rejects.toBeInstanceOf(ConflictingIdError);
    await expect(store.lookupJob('bad')).rejects.toBeInstanceOf(SerializationError);
  });

  it('skips an unreadable due job without spinning, and keeps it', async () => {
    const store = fixture.store();
    await store.addJob(makeJob('bad', T0 - 10));
    await store.addJob(makeJob('good', T0));
    await corruptJob(store, 'bad');
    expect(ids(await store.acquireDueJobs(A, new Date(T0), LEASE, 10))).toEqual(['good']);
    expect(reported(fixture)).toEqual(['bad']);
    const later = new Date(T0 + 5 * LEASE);
    await store.releaseJobs(A, [{ id: 'good', nextRunTime: later, nextFireTime: later, remove: false }]);
    // The unreadable job is set aside for a lease period, so the scheduler does not wake for it in a loop.
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + LEASE);
    expect(await store.acquireDueJobs(B, new Date(T0 + 1000), LEASE, 10)).toEqual([]);
    expect(reported(fixture)).toEqual(['bad']);
    // After the lease it is tried (and reported) again; it is never deleted.
    expect(await store.acquireDueJobs(B, new Date(T0 + LEASE), LEASE, 10)).toEqual([]);
    expect(reported(fixture)).toEqual(['bad', 'bad']);
    await expect(store.addJob(makeJob('bad', T0))).rejects.toBeInstanceOf(ConflictingIdError);
  });

  it('lets the user replace or remove an unreadable job', async () => {
    const store = fixture.store();
    await store.addJob(makeJob('fixed', T0));
    await store.addJob(makeJob('dropped', T0));
    await corruptJob(store, 'fixed');
    await corruptJob(store, 'dropped');
    await store.updateJob(makeJob('fixed', T0 + 5));
    expect((await store.lookupJob('fixed'))?.nextRunTime?.getTime()).toBe(T0 + 5);
    await store.removeJob('dropped');
    expect(ids(await store.getAllJobs())).toEqual(['fixed']);
  });

  it('makes a scheduler emit EVENT_JOB_UNREADABLE when listing and when due', async () => {
    // A store of its own, started and stopped by the scheduler with the scheduler's context.
    const own = await fixture.makeStore();
    const clock = new FakeClock(T0);
    const scheduler = new Scheduler({ jobStores: { default: own }, clock, logger: silentLogger });
    const events: JobUnreadableEvent[] = [];
    scheduler.on('job_unreadable', (event) => void events.push(event));
    // Fires the timers the scheduler set for now, however late its store answers.
    const eventCount = async () => {
      await clock.advance(0);
      return events.length;
    };
    await scheduler.registerTask('tick', () => undefined);
    await scheduler.addJob('tick', 'interval', { id: 'bad', seconds: 10, nextRunTime: new Date(T0) });
    await scheduler.start({ paused: true });
    try {
      await corruptJob(own, 'bad');
      expect((await scheduler.getJobs()).map((job) => job.id)).toEqual([]);
      await expect.poll(eventCount, { timeout: 20_000 }).toBe(1);
      scheduler.resume();
      await expect.poll(eventCount, { timeout: 20_000 }).toBe(2);
      for (const event of events) {
        expect(event).toMatchObject({ code: EVENT_JOB_UNREADABLE, jobId: 'bad', jobStore: 'default' });
        expect(event.exception).toBeInstanceOf(SerializationError);
      }
    } finally {
      await scheduler.shutdown();
    }
  }, 60_000);
}

/** A trigger that cannot be serialized, as a user's own trigger class may be. */
class UnserializableTrigger implements Trigger {
  readonly type = 'unregistered';
  readonly jitter = null;
  getNextFireTime(previous: Date | null, now: Date): Date | null {
    return new Date((previous ?? now).getTime() + 10_000);
  }
  toJSON(): TriggerJSON {
    throw new Error('this trigger has no stored form');
  }
  toString(): string {
    return 'unserializable';
  }
}

/** A job no persistent store could keep: a function object, a trigger and args without a JSON form. */
function objectJob(id: string, nextRunTime: number): JobState {
  const circular: { self?: unknown } = {};
  circular.self = circular;
  return makeJob(id, nextRunTime, {
    func: () => 'ran',
    trigger: new UnserializableTrigger(),
    args: [new Map([['k', 1]]), circular, 10n],
  });
}

function keptAsObjects(fixture: UnreadableJobsFixture): void {
  it('hands back a job no persistent store could keep, as given, and reports nothing', async () => {
    const store = fixture.store();
    const job = objectJob('objects', T0);
    await store.addJob(job);
    for (const found of [await store.lookupJob('objects'), ...(await store.getAllJobs())]) {
      expect(found?.func).toBe(job.func);
      expect(found?.trigger).toBe(job.trigger);
      expect(found?.args).toEqual(job.args);
    }
    expect(reported(fixture)).toEqual([]);
  });

  it('claims such a job when due and takes its release, reporting nothing', async () => {
    const store = fixture.store();
    await store.addJob(objectJob('objects', T0 - 10));
    await store.addJob(makeJob('plain', T0));
    expect(ids(await store.acquireDueJobs(A, new Date(T0), LEASE, 10))).toEqual(['objects', 'plain']);
    const later = new Date(T0 + 10_000);
    await store.releaseJobs(A, [{ id: 'objects', nextRunTime: later, nextFireTime: later, remove: false }]);
    expect((await store.getNextRunTime())?.getTime()).toBe(later.getTime());
    expect(ids(await store.acquireDueJobs(B, later, LEASE, 10))).toEqual(['objects']);
    expect(reported(fixture)).toEqual([]);
  });

  it('replaces and removes such a job like any other', async () => {
    const store = fixture.store();
    await store.addJob(objectJob('replaced', T0));
    await store.addJob(objectJob('removed', T0));
    await store.updateJob(makeJob('replaced', T0 + 5));
    expect((await store.lookupJob('replaced'))?.func).toBe(makeJob('x', T0).func);
    await store.removeJob('removed');
    expect(ids(await store.getAllJobs())).toEqual(['replaced']);
    expect(reported(fixture)).toEqual([]);
  });

  it('makes a scheduler run a job with a function object, emitting no EVENT_JOB_UNREADABLE', async () => {
    const own = await fixture.makeStore();
    const clock = new FakeClock(T0);
    const scheduler = new Scheduler({ jobStores: { default: own }, clock, logger: silentLogger });
    const unreadable: JobUnreadableEvent[] = [];
    scheduler.on('job_unreadable', (event) => void unreadable.push(event));
    let runs = 0;
    await scheduler.addJob(() => void runs++, 'interval', {
      id: 'fn',
      seconds: 10,
      nextRunTime: new Date(T0),
    });
    await scheduler.start();
    try {
      expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['fn']);
      const ran = async () => {
        await clock.advance(0);
        return runs;
      };
      await expect.poll(ran, { timeout: 20_000 }).toBe(1);
      expect(unreadable).toEqual([]);
    } finally {
      await scheduler.shutdown();
    }
  }, 60_000);
}
