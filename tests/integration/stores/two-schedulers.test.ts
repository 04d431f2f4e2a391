// Two scheduler processes share one store, on every backend (tests/helpers/cluster.ts):
// - both run the same jobs for a few seconds and stop cleanly: every scheduled run, counted by
//   (job id, scheduled run time) across both processes, happens exactly once;
// - one is killed (SIGKILL) while they run ticking jobs and a burst of one-shot jobs: the survivor
//   takes over once the dead one's leases run out. Only runs in flight at the kill may repeat or
//   be lost, and the test says which.
import { expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { FakeClock } from '../../../src/testing.js';
import { DateTrigger } from '../../../src/triggers/date-trigger.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import {
  describeOnEachStore,
  groupRuns,
  slotsOf,
  useProcesses,
  type Cluster,
  type ProcessTarget,
} from '../../helpers/cluster.js';
import { makeJob } from '../../helpers/jobs.js';
import { RECORD_RUN, type RunLine, type SchedulerProcess } from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';

const processes = useProcesses();

/** Opens the store at `prefix` (making its tables), lets `fill` add jobs, and closes it. */
async function seed(target: ProcessTarget, prefix: string, fill: (store: JobStore) => Promise<void>) {
  const store = target.open(prefix);
  await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
  try {
    await fill(store);
  } finally {
    await store.shutdown();
  }
}

/**
 * Two scheduler processes on the store at `prefix`, started. The store's tables are made first, so
 * the processes never race to make them; the jobs come after, so when they are due does not depend
 * on how long the processes took to start. They find them at their next poll (`maxSleep`).
 */
async function startTwo(
  target: ProcessTarget,
  prefix: string,
  schedulerIds: string[],
  scheduler: Record<string, unknown>,
): Promise<Cluster> {
  await seed(target, prefix, () => Promise.resolve());
  const cluster = processes.cluster(target, prefix);
  await cluster.start(schedulerIds, { scheduler });
  return cluster;
}

/** Runs of a job due every `step` ms from `first`, with no limit on lateness and no coalescing. */
function ticking(id: string, first: number, step: number) {
  const trigger = new IntervalTrigger({ milliseconds: step, startDate: new Date(first), timezone: 'UTC' });
  // maxInstances with room for a catch-up and the next slot at once: none skipped on a slow machine.
  // The first run time is given outright, so a slow start delays slot 0 but never skips it.
  return makeJob(id, first, {
    func: RECORD_RUN,
    trigger,
    coalesce: false,
    misfireGraceTime: null,
    maxInstances: 50,
  });
}

describeOnEachStore('two schedulers', (target) => {
  it('never runs one scheduled run twice', async () => {
    const JOBS = 40;
    const STEP = 250;
    const SLOTS = 13;
    const prefix = uniquePrefix('two');
    const cluster = await startTwo(target, prefix, ['a', 'b'], { leaseTime: 10, maxSleep: 1 });
    const S = Math.ceil((Date.now() + 500) / STEP) * STEP;
    await seed(target, prefix, async (store) => {
      for (let i = 0; i < JOBS; i++) await store.addJob(ticking(`job-${i}`, S, STEP));
    });
    // Both run until every job has run its 13th slot, however slow the machine; then stop cleanly.
    const last = S + (SLOTS - 1) * STEP;
    await cluster.waitForRuns(
      (runs) => new Set(runs.filter((run) => run.scheduled >= last).map((run) => run.jobId)).size === JOBS,
      `every job to run ${SLOTS} slots`,
    );
    await cluster.stop();
    expect(cluster.stderr()).not.toMatch(/error/i);

    const runs = cluster.runs();
    const twice = [...groupRuns(runs)]
      .filter(([, group]) => group.length > 1)
      .map(([key, group]) => `${key} by ${group.map((run) => run.scheduler).join(', ')}`);
    expect(twice, 'scheduled runs that ran twice').toEqual([]);
    // No run was lost either: every job ran each slot from S on, with no gap.
    for (let i = 0; i < JOBS; i++) {
      const slots = slotsOf(runs, `job-${i}`, S, STEP).sort((x, y) => x - y);
      expect(slots.slice(0, SLOTS), `job-${i}`).toEqual(Array.from({ length: SLOTS }, (_, slot) => slot));
      expect(slots, `job-${i}`).toEqual(slots.map((_, slot) => slot));
    }
    const share = runs.filter((run) => run.scheduler === 'a').length / runs.length;
    console.log(`${target.name}: ${runs.length} runs, ${Math.round(share * 100)}% by scheduler a`);
  }, 60_000);

  it('runs every scheduled run once, and the survivor takes over when one is killed', async () => {
    const STEP = 200;
    const LEASE_MS = 1000;
    const prefix = uniquePrefix('takeover');
    // Stored before the processes start: 300 jobs take a while to add, and the processes polling
    // meanwhile would slow that down. A slow start delays the first slots, never skips them.
    const first = Date.now() + 1500;
    await seed(target, prefix, async (store) => {
      for (let i = 0; i < 10; i++) await store.addJob(ticking(`tick-${i}`, first, STEP));
      // A burst of 300 one-shot jobs due at the same instant: both processes race to claim them.
      for (let i = 0; i < 300; i++) {
        const trigger = new DateTrigger({ runDate: new Date(first + 300), timezone: 'UTC' });
        await store.addJob(
          makeJob(`once-${i}`, first + 300, {
            func: RECORD_RUN,
            trigger,
            misfireGraceTime: null,
            coalesce: false,
          }),
        );
      }
    });
    const cluster = processes.cluster(target, prefix);
    // Without an event broker the processes learn of each other's work by polling, so poll often.
    const [a, b] = (await cluster.start(['A', 'B'], {
      scheduler: { leaseTime: LEASE_MS / 1000, maxSleep: 0.1 },
    })) as [SchedulerProcess, SchedulerProcess];
    const ticks = (runs: RunLine[]) => runs.filter((run) => run.jobId.startsWith('tick-'));
    await cluster.waitForRuns(
      (runs) =>
        new Set(runs.filter((run) => run.jobId.startsWith('once-')).map((run) => run.jobId)).size === 300 &&
        ticks(runs).filter((run) => run.scheduled >= first + 4 * STEP).length >= 10,
      'the burst and five slots of every tick to run',
    );
    const killedAt = await a.kill();
    // B alone, well past A's leases, for five more slots of every tick.
    const until = killedAt + LEASE_MS + 5 * STEP;
    await cluster.waitForRuns(
      (runs) =>
        new Set(
          ticks(runs)
            .filter((run) => run.scheduled >= until)
            .map((run) => run.jobId),
        ).size === 10,
      'B to run every tick past the kill',
    );
    await b.stop();

    const runs = cluster.runs();
    // A run starts only once the store holds it under its node, so no scheduled run happens twice,
    // not even one A had started when it was killed.
    for (const [key, group] of groupRuns(runs)) {
      expect(
        group.map((run) => run.scheduler),
        `${key} ran twice`,
      ).toHaveLength(1);
    }
    const once = runs.filter((run) => run.jobId.startsWith('once-'));
    expect(new Set(once.map((run) => run.jobId)).size).toBe(300);

    // Nor is one lost without a trace: a run time nobody ran is one A held when it was killed
    // (handed to its executor, or stored and not yet reported submitted), which B, taking A's runs
    // over after A's lease, reported as interrupted.
    const interrupted = new Set(
      b.events
        .filter((event) => event.name === 'job_interrupted' && event.interruptedNode === 'A')
        .flatMap((event) => (event.scheduledRunTimes ?? []).map((time) => `${event.jobId}@${time}`)),
    );
    for (let i = 0; i < 10; i++) {
      const id = `tick-${i}`;
      const slots = new Set(slotsOf(runs, id, first, STEP));
      const last = Math.max(...slots);
      const lost = Array.from({ length: last + 1 }, (_, slot) => first + slot * STEP).filter(
        (_, slot) => !slots.has(slot),
      );
      const detail = `${id}: runs lost ${JSON.stringify(lost)}, killed at ${killedAt}; runs: ${JSON.stringify(runs.filter((run) => run.jobId === id))}`;
      for (const time of lost) {
        expect(time, detail).toBeLessThanOrEqual(killedAt);
        expect(interrupted.has(`${id}@${time}`), `${detail}; not reported interrupted: ${time}`).toBe(true);
      }
    }
    // An interrupted run was A's: if it ran at all, A ran it (and died before storing its end).
    // (Not checked against A's job_submitted events: a SIGKILL can cut the line A was printing.)
    const groups = groupRuns(runs);
    for (const key of interrupted) {
      expect(
        (groups.get(key) ?? []).map((run) => run.scheduler).filter((node) => node !== 'A'),
        key,
      ).toEqual([]);
    }
    const byA = runs.filter((run) => run.scheduler === 'A');
    const afterKill = runs.filter((run) => run.at > killedAt);
    expect(afterKill.length).toBeGreaterThan(0);
    expect(afterKill.every((run) => run.scheduler === 'B')).toBe(true);
    console.log(`${target.name}: ${runs.length} runs, ${byA.length} by A, ${runs.length - byA.length} by B`);
  }, 90_000);
});
