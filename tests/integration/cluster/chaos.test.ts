// The cluster's proof under crashes (issue 13): three scheduler processes on one store run a few
// hundred interval, cron and date jobs while, for WINDOW_MS, one of them is SIGKILLed every 2 to 5
// seconds and started again (always with another one up). Some jobs hold their runs a second or
// two, so kills land mid-run; some ask to be run again after an interruption (`requestsRecovery`).
// Once the killed nodes' leases have run out and live nodes have taken their runs over, every
// process stops cleanly, and every run time the triggers gave before the store's final schedule
// must be accounted for: executed (the run log), or recorded as interrupted or missed (the run
// history), or folded into a later run by `coalesce`; none executed twice, except the one extra
// run of an interrupted run whose job asked for it (run-accounting.ts keeps the ledger). The counts
// are printed per store.
import { expect, it } from 'vitest';
import type { JobState } from '../../../src/job-state.js';
import { silentLogger } from '../../../src/logger.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { FakeClock } from '../../../src/testing.js';
import { CronTrigger } from '../../../src/triggers/cron-trigger.js';
import { DateTrigger } from '../../../src/triggers/date-trigger.js';
import '../../../src/triggers/index.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import { describeOnEachStore, useProcesses, type Cluster } from '../../helpers/cluster.js';
import { makeJob } from '../../helpers/jobs.js';
import { RECORD_RUN, sleepUntil, type SchedulerProcess } from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { waitUntil } from '../../helpers/wait.js';
import { account, type JobOutcome, type Ledger } from './run-accounting.js';

/**
 * The four stores, about 40 s each. The others processes can share pass it too; to keep
 * the suite within its time they run on request: `HORAE_CHAOS_STORES='Redis Cluster,ZooKeeper,etcd'`.
 */
const STORES = process.env.HORAE_CHAOS_STORES?.split(',').map((name) => name.trim()) ?? [
  'PostgreSQL',
  'MySQL/MariaDB',
  'Redis',
  'SQLite',
];
const LEASE_S = 2;
const WINDOW_MS = 25_000;
const SLOTS = ['a', 'b', 'c'];
/** Every node keeps the whole run history of the test (the default keeps 10 records per job). */
const SCHEDULER = { leaseTime: LEASE_S, maxSleep: 1, runHistory: { retention: 100_000 } };

const processes = useProcesses();

/**
 * 120 interval jobs (every 1, 1.5, 2 or 3 s), 40 cron jobs (every 2 or 3 s), 40 date jobs spread
 * over the window, from `start`. A third of the slower ones hold each run for 60% of their period;
 * every fifth job asks for recovery, every other one misses a run later than 1 s, every seventh
 * coalesces. `maxInstances: 3` leaves room for a run a dead node still holds until its lease ends.
 */
function chaosJobs(start: number): JobState[] {
  const jobs: JobState[] = [];
  const add = (id: string, trigger: JobState['trigger'], holdMs: number) => {
    const n = jobs.length;
    const first = trigger.getNextFireTime(null, new Date(start))?.getTime() ?? null;
    jobs.push(
      makeJob(id, first, {
        func: RECORD_RUN,
        trigger,
        args: holdMs > 0 ? [holdMs] : [],
        misfireGraceTime: n % 2 === 0 ? 1 : null,
        coalesce: n % 7 === 3,
        maxInstances: 3,
        requestsRecovery: n % 5 === 0,
      }),
    );
  };
  for (let i = 0; i < 120; i++) {
    const step = [1000, 1500, 2000, 3000][i % 4] as number;
    const trigger = new IntervalTrigger({ milliseconds: step, startDate: new Date(start), timezone: 'UTC' });
    add(`interval-${i}`, trigger, step >= 2000 && i % 3 !== 2 ? step * 0.6 : 0);
  }
  for (let i = 0; i < 40; i++) {
    const trigger = new CronTrigger({ second: i % 2 === 0 ? '*/2' : '*/3', timezone: 'UTC' });
    add(`cron-${i}`, trigger, i % 4 === 1 ? 1000 : 0);
  }
  for (let i = 0; i < 40; i++) {
    const runDate = new Date(start + 300 + i * ((WINDOW_MS - 1500) / 40));
    add(`date-${i}`, new DateTrigger({ runDate, timezone: 'UTC' }), i % 3 === 0 ? 1500 : 0);
  }
  return jobs;
}

const isUp = (child: SchedulerProcess) =>
  child.running() && child.events.some((event) => event.name === 'scheduler_started');

describeOnEachStore(
  'chaos',
  (target) => {
    it('accounts for every run time through random SIGKILLs, none run twice', async () => {
      const began = Date.now();
      const prefix = uniquePrefix('chaos');
      const cluster = processes.cluster(target, prefix);
      // The tables first, so the processes never race to make them.
      const store = target.open(prefix);
      await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
      try {
        const { jobs, end, killed } = await runChaos(cluster, store);
        await settle(cluster, store, end, killed);
        await cluster.stop();
        // A run that waits for a node (a recovery put back just before the stop) stays for the
        // next one; a run held by a node that stopped cleanly must have ended.
        const left = (await store.getActiveRuns())
          .filter((run) => run.node !== null)
          .map((run) => `${run.id} of ${run.job.id} on ${run.node}`);
        const outcomes: JobOutcome[] = [];
        const stalled: string[] = [];
        const stored = new Map((await store.getAllJobs()).map((job) => [job.id, job]));
        for (const job of jobs) {
          const cut = stored.get(job.id)?.nextRunTime?.getTime() ?? Infinity;
          // A recurring job stays, its schedule past the window; a date job is gone once it ran.
          if (job.trigger.type !== 'date' && !(cut > end && cut < Infinity))
            stalled.push(`${job.id}: ${cut}`);
          outcomes.push({ job, cut, records: await store.getRuns(job.id, 100_000) });
        }
        const events = cluster.processes.flatMap((child) => child.events);
        const ledger = account(outcomes, cluster.runs(), events, killed);
        console.log(
          `${target.name}: ${killed.size} kills in ${WINDOW_MS / 1000} s; ${counts(ledger)}; ${Math.round((Date.now() - began) / 1000)} s`,
        );

        const sample = (list: string[]) => `${list.length}: ${list.slice(0, 20).join('; ')}`;
        expect(killed.size, 'kills').toBeGreaterThanOrEqual(3);
        expect(ledger.twice, `run times executed twice, ${sample(ledger.twice)}`).toEqual([]);
        expect(ledger.unaccounted, `run times unaccounted for, ${sample(ledger.unaccounted)}`).toEqual([]);
        expect(ledger.recoveryLost, `recoveries that never ran, ${sample(ledger.recoveryLost)}`).toEqual([]);
        expect(ledger.conflicting, `conflicting fates, ${sample(ledger.conflicting)}`).toEqual([]);
        expect(ledger.unexpected, `runs of times never due, ${sample(ledger.unexpected)}`).toEqual([]);
        expect(stalled, `jobs whose schedule did not pass the window, ${sample(stalled)}`).toEqual([]);
        expect(left, `runs left in the store after a clean stop, ${sample(left)}`).toEqual([]);
        expect(ledger.interrupted, 'interrupted run times (kills landed mid-run)').toBeGreaterThan(0);
      } finally {
        await store.shutdown();
      }
    }, 150_000);
  },
  STORES,
);

/**
 * Starts three processes, adds the jobs, and for WINDOW_MS kills a random live process every 2 to
 * 5 s and starts it again at once under a new node id, while another one is up. Each kill comes up
 * to 150 ms after a whole second, when most jobs are due: between a claim and its release as often
 * as mid-run. Returns the jobs, the end of the window and when each killed node was seen gone.
 */
async function runChaos(cluster: Cluster, store: JobStore) {
  const current = new Map<string, SchedulerProcess>();
  const incarnations = new Map<string, number>();
  const spawn = (slot: string) => {
    const incarnation = (incarnations.get(slot) ?? 0) + 1;
    incarnations.set(slot, incarnation);
    const child = cluster.spawn(`${slot}${incarnation}`, { scheduler: SCHEDULER });
    current.set(slot, child);
    return child;
  };
  await Promise.all(SLOTS.map((slot) => spawn(slot).started));
  const start = Math.ceil((Date.now() + 4000) / 1000) * 1000;
  const end = start + WINDOW_MS;
  const jobs = chaosJobs(start);
  for (const job of jobs) await store.addJob(job);

  const killed = new Map<string, number>();
  const nextKill = (after: number) => Math.ceil((after + 2000 + Math.random() * 3000) / 1000) * 1000;
  for (let at = nextKill(start - 1000); at < end; at = nextKill(at)) {
    await sleepUntil(at + Math.random() * 150);
    const up = SLOTS.filter((slot) => isUp(current.get(slot) as SchedulerProcess));
    if (up.length < 2) continue;
    const slot = up[Math.floor(Math.random() * up.length)] as string;
    const victim = current.get(slot) as SchedulerProcess;
    killed.set(victim.schedulerId, await victim.kill());
    spawn(slot);
  }
  await Promise.all([...current.values()].map((child) => child.started));
  return { jobs, end, killed };
}

/**
 * Waits for the killed nodes' leases to run out (LEASE_S) and for live nodes to take their runs
 * over: none is left under a dead node or waiting for one, and every schedule has moved past `end`.
 */
async function settle(cluster: Cluster, store: JobStore, end: number, killed: ReadonlyMap<string, number>) {
  await waitUntil(
    async () => {
      const active = await store.getActiveRuns();
      if (active.some((run) => run.node === null || killed.has(run.node))) return false;
      const stored = await store.getAllJobs();
      return stored.every((job) => (job.nextRunTime?.getTime() ?? 0) > end);
    },
    () => `the runs of the killed nodes to be taken over; stderr:\n${cluster.stderr()}`,
    30_000,
    200,
  );
}

function counts(ledger: Ledger): string {
  return (
    `${ledger.expected} expected run times: ${ledger.executed} executed, ` +
    `${ledger.interrupted} interrupted (${ledger.interruptedLive} of live nodes), ` +
    `${ledger.recovered} recovered and ${ledger.recoveryMissed} recoveries missed, ${ledger.missed} missed, ` +
    `${ledger.coalesced} coalesced, ${ledger.refused} refused for maxInstances; ` +
    `${ledger.twice.length} executed twice, ${ledger.unaccounted.length} unaccounted`
  );
}
