// A scheduler process on each store is killed with SIGKILL and a new one is started on
// the same tables: every job must still be there with the right next run time, and the runs missed
// while no process was up must follow each job's misfire grace time and coalescing, with bounded
// catch-up. Real processes and real time: the jobs run every 500 ms from an aligned start `S`. What
// the test expects follows from what it observes (when each process really started, where the store
// left each schedule), so a loaded machine makes it slower, not red.
import { expect, it } from 'vitest';
import type { JobState } from '../../../src/job-state.js';
import { silentLogger } from '../../../src/logger.js';
import { MAX_CATCH_UP_RUNS } from '../../../src/runs/run-plan.js';
import '../../../src/triggers/index.js';
import { FakeClock } from '../../../src/testing.js';
import { describeOnEachStore, slotsOf, useProcesses } from '../../helpers/cluster.js';
import { RECORD_RUN, sleepUntil, type JobSpec, type RunLine } from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';

const STEP = 500;
/** The strict job's misfire grace time, in seconds. */
const GRACE_S = 0.1;
const LEASE_S = 2;
const func = RECORD_RUN;

const processes = useProcesses();

describeOnEachStore('restart', (target) => {
  it('keeps every job through SIGKILL and applies grace, coalescing and bounded catch-up', async () => {
    const prefix = uniquePrefix('r');
    const cluster = processes.cluster(target, prefix);
    // Slot n of the half-second jobs is due at S + n * STEP. Their first run time is given
    // outright, so a slow process start delays slot 0 but never skips it.
    const S = Math.ceil((Date.now() + 1500) / STEP) * STEP;
    /** The slots (0, 1, ...) of one job's runs, in the order they ran. */
    const slots = (runs: RunLine[], id: string) => slotsOf(runs, id, S, STEP);
    const half = (id: string, options: Record<string, unknown>): JobSpec => [
      func,
      'interval',
      { id, seconds: STEP / 1000, startDate: S, nextRunTime: S, ...options },
    ];
    const scheduler = { leaseTime: LEASE_S, maxSleep: 1 };
    /** The runs of the process started as `schedulerId`. */
    const runsOf = (schedulerId: string) => cluster.runs().filter((run) => run.scheduler === schedulerId);

    const first = cluster.spawn('first', {
      scheduler,
      jobs: [
        // Room for the catch-up runs and the next slot at once, so none is skipped for maxInstances.
        half('all', { coalesce: false, misfireGraceTime: null, maxInstances: 50 }),
        half('coalesced', { coalesce: true, misfireGraceTime: null }),
        half('strict', { coalesce: false, misfireGraceTime: GRACE_S }),
        [func, 'interval', { id: 'backlog', seconds: 1, coalesce: false, misfireGraceTime: null }],
        [func, 'date', { id: 'later', runDate: S + 3_600_000 }],
        [func, 'interval', { id: 'paused', seconds: 0.5, nextRunTime: null }],
      ],
    });
    await first.started;
    await cluster.waitForRuns(
      (runs) => slots(runs, 'all').length >= 5,
      "the first process's fifth run of 'all'",
      30_000,
    );
    // Killed half-way between two slots, where a run in progress is least likely. One may still
    // be: its lease is then left behind, and that one slot may run again after the restart.
    await sleepUntil(S + (Math.floor((Date.now() - S) / STEP) + 0.5) * STEP);
    const killed = await first.kill();
    expect(first.stderr()).not.toMatch(/error/i);
    const before = runsOf('first');

    const store = target.open(prefix);
    await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
    const jobs = new Map((await store.getAllJobs()).map((job) => [job.id, job]));
    expect([...jobs.keys()].sort()).toEqual(['all', 'backlog', 'coalesced', 'later', 'paused', 'strict']);
    // The store has each schedule where the process left it: the slot after the last run; or the
    // last run's own slot, when that run had been claimed but not released at the kill (it may run
    // again); or a later slot, when a run had been released but not yet made (it is lost: the
    // release is written when the runs are handed to the executor, not when they end).
    const resumeAt = new Map<string, number>();
    for (const id of ['all', 'coalesced', 'strict']) {
      const stored = ((jobs.get(id)?.nextRunTime?.getTime() as number) - S) / STEP;
      const last = Math.max(-1, ...slots(before, id));
      expect(stored, `${id}: stored slot ${stored}, last run ${last}`).toBeGreaterThanOrEqual(last);
      resumeAt.set(id, stored);
    }
    expect(jobs.get('later')?.nextRunTime?.getTime()).toBe(S + 3_600_000);
    expect(jobs.get('paused')?.nextRunTime).toBeNull();
    // As if the process had been down for two hours: 7200 missed runs of a one-second job.
    const hourly = jobs.get('backlog') as JobState;
    const backlogStart = (hourly.nextFireTime as Date).getTime() - 7_200_000;
    await store.updateJob({
      ...hourly,
      nextRunTime: new Date(backlogStart),
      nextFireTime: new Date(backlogStart),
    });
    await store.shutdown();

    // Down for at least four slots, so the strict job has runs past its grace time to miss.
    await sleepUntil(killed + 4 * STEP);
    const second = cluster.spawn('second', { scheduler });
    const restarted = await second.started;
    const down = Math.floor((restarted - S) / STEP);
    await cluster.waitForRuns(() => {
      const runs = runsOf('second');
      return (
        Math.max(-1, ...slots(runs, 'all')) > down + 1 &&
        slots(runs, 'strict').length > 0 &&
        runs.some((run) => run.jobId === 'backlog' && run.scheduled >= restarted)
      );
    }, 'the second process to catch up and run on schedule again');
    await second.stop();
    expect(second.stderr()).not.toMatch(/error/i);
    const runs2 = runsOf('second');

    // No coalescing, no grace limit: every slot runs once, across the kill, with no gap. Only a run
    // in progress at the kill may run again, or be lost (see above).
    const allSlots = [...slots(before, 'all'), ...slots(runs2, 'all')].sort((x, y) => x - y);
    const lastBefore = Math.max(...slots(before, 'all'));
    const inFlight = resumeAt.get('all') === lastBefore;
    const lost = Array.from(
      { length: Math.max(0, (resumeAt.get('all') as number) - lastBefore - 1) },
      (_, i) => lastBefore + 1 + i,
    );
    const unique = [...new Set([...allSlots, ...lost])].sort((x, y) => x - y);
    expect(
      unique,
      `all: ${JSON.stringify({ before: slots(before, 'all'), after: slots(runs2, 'all'), lost })}`,
    ).toEqual(unique.map((_, index) => index));
    expect(allSlots.filter((slot) => lost.includes(slot))).toEqual([]);
    expect(allSlots.length - unique.length).toBeLessThanOrEqual(inFlight ? 1 : 0);
    expect(unique.length).toBeGreaterThan(down + 1);

    // Coalescing: the backlog runs once, as its latest slot (or a later one, if the first check
    // after the restart came after the next slot was due).
    const coalesced = slots(runs2, 'coalesced');
    expect(coalesced[0]).toBeGreaterThanOrEqual(down);
    expect(new Set(coalesced).size).toBe(coalesced.length);

    // A grace time: a slot due more than GRACE_S before the restart was already too late when
    // the second process first looked, so it is missed (reported and recorded), never run; the
    // schedule then goes on. Each slot from the stored one on is missed or run, not both.
    const events = second.events;
    expect(events.filter((event) => event.jobId === 'all' && event.name === 'job_max_instances')).toEqual([]);
    const missed = events
      .filter((event) => event.jobId === 'strict' && event.name === 'job_missed')
      .map((event) => ((event.scheduledRunTime as number) - S) / STEP);
    const ran = slots(runs2, 'strict');
    const tooLate = (slot: number) => S + slot * STEP < restarted - GRACE_S * 1000;
    const from = resumeAt.get('strict') as number;
    const dueInDowntime = Array.from({ length: down - from + 1 }, (_, i) => from + i);
    expect(dueInDowntime.filter(tooLate).length).toBeGreaterThanOrEqual(3);
    for (const slot of dueInDowntime.filter(tooLate)) expect(missed, `strict slot ${slot}`).toContain(slot);
    expect(ran.filter(tooLate)).toEqual([]);
    expect(ran.filter((slot) => missed.includes(slot))).toEqual([]);
    expect([...missed, ...ran].sort((x, y) => x - y)[0]).toBe(from);

    const backlogRuns = runs2.filter((run) => run.jobId === 'backlog' && run.scheduled < restarted);
    expect(backlogRuns).toHaveLength(MAX_CATCH_UP_RUNS);
    expect(backlogRuns[0]?.scheduled).toBe(backlogStart);
    for (const runs of [before, runs2]) {
      expect(runs.some((run) => run.jobId === 'later' || run.jobId === 'paused')).toBe(false);
    }

    await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
    const final = new Map((await store.getAllJobs()).map((job) => [job.id, job]));
    expect(final.size).toBe(6);
    expect(final.get('later')?.nextRunTime?.getTime()).toBe(S + 3_600_000);
    expect(final.get('paused')?.nextRunTime).toBeNull();
    expect(final.get('backlog')?.nextRunTime?.getTime()).toBeGreaterThan(restarted);
    // The run history keeps the newest records of each job (10 by default): the missed ones among
    // them are the second process's missed events from that time on, and any the first process
    // reported before the kill (a run that started too late on a loaded machine; a run starts only
    // once its store holds it, one round trip after its claim).
    const history = await store.getRuns('strict', 100);
    const oldest = Math.min(...history.map((run) => run.scheduledRunTime.getTime()));
    const recorded = history
      .filter((run) => run.outcome === 'missed')
      .map((run) => (run.scheduledRunTime.getTime() - S) / STEP);
    const missedByFirst = first.events
      .filter((event) => event.jobId === 'strict' && event.name === 'job_missed')
      .map((event) => ((event.scheduledRunTime as number) - S) / STEP);
    const fromOldest = (slots: number[]) => slots.filter((slot) => S + slot * STEP >= oldest);
    for (const slot of fromOldest(missed)) expect(recorded, `strict slot ${slot}`).toContain(slot);
    for (const slot of recorded) {
      expect([...missed, ...missedByFirst], `recorded missed slot ${slot}`).toContain(slot);
    }
    await store.shutdown();
  }, 120_000);
});
