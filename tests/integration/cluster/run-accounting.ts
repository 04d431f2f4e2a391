// The ledger of the chaos test: every run time a job's trigger gave it, set against what became of
// it in the run log (executed), the run history (interrupted, missed) and the events of the
// processes (recovered, refused for maxInstances). Pure: it reads what the test gathered.
//
// A run refused for `maxInstances` has no record in the run history, only its
// `job_max_instances` event (the processes print every event, so a killed one's are kept up to the
// kill): it is accounted for by that event, as the job's own rule, like a missed run.
import type { JobState } from '../../../src/job-state.js';
import type { RunRecord } from '../../../src/stores/job-store.js';
import type { ReportedEvent, RunLine } from '../../helpers/processes.js';

/** One job as the test made it and as the store kept it once every process had stopped. */
export interface JobOutcome {
  job: JobState;
  /**
   * Where the store left its schedule (its `nextRunTime`, epoch ms): the run times before it are
   * past and must each be accounted for. `Infinity` when the job is gone (a one-shot job that ran).
   */
  cut: number;
  /** Its run history, every record kept. */
  records: RunRecord[];
}

/** What became of the run times, each listed as `jobId@time` (times as ISO strings). */
export interface Ledger {
  /** Every run time due before the cut of its job. */
  expected: number;
  /** Run times executed (in the run log), once or more. */
  executed: number;
  /** Run times recorded as interrupted (a node died with the run in hand). */
  interrupted: number;
  /** Run times taken as interrupted from a node that was still alive (it missed heartbeats, under load). */
  interruptedLive: number;
  /** Run times put back to run once more (`requestsRecovery`) that did. */
  recovered: number;
  /**
   * Run times put back to run once more (`requestsRecovery`) whose second run was missed: started
   * past the job's misfire grace time, which counts from the scheduled time.
   */
  recoveryMissed: number;
  /** Run times recorded as missed (past their misfire grace time), and not executed. */
  missed: number;
  /** Run times of coalescing jobs folded into a later one that was accounted for. */
  coalesced: number;
  /** Run times refused for `maxInstances` (a `job_max_instances` event), and not executed. */
  refused: number;
  /** Run times that ran twice or more; a time put back after an interruption may run twice. */
  twice: string[];
  /** Run times of `requestsRecovery` jobs put back to run again whose second run never came. */
  recoveryLost: string[];
  /** Run times neither executed, nor recorded as interrupted or missed, nor refused, nor coalesced. */
  unaccounted: string[];
  /** Run times executed and also recorded as missed or refused; recoveries not asked for. */
  conflicting: string[];
  /** Run log lines of times the job's trigger never gave before its cut. */
  unexpected: string[];
}

const key = (jobId: string, time: number) => `${jobId}@${new Date(time).toISOString()}`;

/** The fire times of `job`'s trigger from its first run time up to `cut` (exclusive). */
function dueTimes(job: JobState, cut: number): number[] {
  const times: number[] = [];
  let fire = job.nextFireTime;
  while (fire !== null && fire.getTime() < cut) {
    times.push(fire.getTime());
    fire = job.trigger.getNextFireTime(fire, fire);
  }
  return times;
}

/**
 * Accounts for every run time of `jobs` (see `Ledger`). `killedAt` holds when each SIGKILLed
 * process was seen gone (epoch ms), to tell a dead node from one that only missed its heartbeats
 * (a loaded machine): a node that seemed dead may still run the run it lost, and may even take its
 * recovery itself.
 */
export function account(
  jobs: JobOutcome[],
  runs: RunLine[],
  events: readonly ReportedEvent[],
  killedAt: ReadonlyMap<string, number>,
): Ledger {
  const ledger: Ledger = {
    expected: 0,
    executed: 0,
    interrupted: 0,
    interruptedLive: 0,
    recovered: 0,
    recoveryMissed: 0,
    missed: 0,
    coalesced: 0,
    refused: 0,
    twice: [],
    recoveryLost: [],
    unaccounted: [],
    conflicting: [],
    unexpected: [],
  };
  const aliveAt = (node: string, time: number) => (killedAt.get(node) ?? Infinity) > time;
  const runners = groupBy(runs.map((run) => [key(run.jobId, run.scheduled), run.scheduler]));
  const interruptions = new Map<string, ReportedEvent>();
  for (const event of events) {
    if (event.name !== 'job_interrupted') continue;
    for (const time of event.scheduledRunTimes ?? []) {
      // A recovery interrupted in turn is reported too; the one that put the run back counts.
      const id = key(event.jobId as string, time);
      if (interruptions.get(id)?.recovered !== true) interruptions.set(id, event);
      if (aliveAt(event.interruptedNode as string, event.at)) ledger.interruptedLive++;
    }
  }
  const refused = new Set(
    events
      .filter((event) => event.name === 'job_max_instances' && event.manual !== true)
      .flatMap((event) => (event.scheduledRunTimes ?? []).map((time) => key(event.jobId as string, time))),
  );
  const expectedKeys = new Set<string>();
  for (const { job, cut, records } of jobs) {
    const outcomes = (outcome: RunRecord['outcome']) =>
      countBy(
        records
          .filter((record) => record.outcome === outcome)
          .map((record) => key(job.id, record.scheduledRunTime.getTime())),
      );
    const interrupted = outcomes('interrupted');
    const missed = outcomes('missed');
    // Walked from the last time back: with `coalesce`, a time nothing accounts for is folded into
    // the next one that something does.
    let laterAccounted = false;
    for (const time of dueTimes(job, cut).reverse()) {
      const id = key(job.id, time);
      expectedKeys.add(id);
      ledger.expected++;
      const ranBy = runners.get(id) ?? [];
      const ran = ranBy.length;
      const stops = interrupted.get(id) ?? 0;
      const late = missed.get(id) ?? 0;
      const skipped = refused.has(id);
      if (ran > 0) ledger.executed++;
      if (stops > 0) ledger.interrupted++;
      if (late > 0 && ran === 0) ledger.missed++;
      if (skipped && ran === 0 && late === 0) ledger.refused++;
      const taken = interruptions.get(id);
      if (taken?.recovered !== true) {
        if (ran > 1) ledger.twice.push(`${id} ran on ${ranBy.join(', ')} (${stops} interrupted)`);
        if (ran > 0 && late > 0) ledger.conflicting.push(`${id} executed and missed`);
        if (ran > 0 && skipped) ledger.conflicting.push(`${id} executed and refused`);
      } else {
        // Put back to run once more, as the job asked. Its first run may have started on the node
        // that lost it, and may have been missed there; its second run may be missed too (the
        // grace time counts from the scheduled time), refused for maxInstances, or interrupted.
        const lostBy = taken.interruptedNode as string;
        if (job.requestsRecovery !== true) ledger.conflicting.push(`${id} put back though not asked to`);
        if (ran > 2) ledger.twice.push(`${id} ran on ${ranBy.join(', ')}, put back from ${lostBy}`);
        else if (ran === 2 || ranBy.some((node) => node !== lostBy)) ledger.recovered++;
        // One run, on the node that lost it while it was alive: the first run or the recovery.
        else if (ran === 1 && aliveAt(lostBy, taken.at)) ledger.recovered++;
        else if (late > 0) ledger.recoveryMissed++;
        else if (!skipped && stops < 2) ledger.recoveryLost.push(id);
      }
      const accounted = ran > 0 || stops > 0 || late > 0 || skipped;
      if (!accounted && job.coalesce && laterAccounted) ledger.coalesced++;
      else if (!accounted) ledger.unaccounted.push(describeLoss(id, taken, killedAt));
      laterAccounted ||= accounted;
    }
  }
  for (const run of runs) {
    const id = key(run.jobId, run.scheduled);
    if (!expectedKeys.has(id)) ledger.unexpected.push(`${id} by ${run.scheduler}`);
  }
  return ledger;
}

/** An unaccounted run time, with what the events say of it: taken as interrupted, but never recorded. */
function describeLoss(id: string, taken: ReportedEvent | undefined, killedAt: ReadonlyMap<string, number>) {
  if (taken === undefined) return id;
  const killed = killedAt.get(taken.scheduler);
  const fate = killed === undefined ? 'which lived on' : `killed ${killed - taken.at} ms later`;
  return `${id} (taken as interrupted from ${taken.interruptedNode as string} by ${taken.scheduler}, ${fate}; no record)`;
}

function groupBy(pairs: [string, string][]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [value]);
    else group.push(value);
  }
  return groups;
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of keys) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}
