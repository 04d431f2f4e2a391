// Jobs, runs and nodes as the commands print them: plain objects for `--json`, rows for the tables.
import type { ActiveRun, NodeRecord, RunRecord } from '../stores/job-store.js';
import type { Job } from '../scheduler/job.js';
import { describeTrigger } from '../triggers/describe.js';
import { formatDuration, formatTime } from './output.js';

/** A job in `--json` output. Dates are ISO 8601 strings in UTC. */
export interface JobJson {
  id: string;
  name: string;
  /** The `'module:export'` reference or task name (a function, in a memory store only, shows as `<function>`). */
  func: string;
  /** The trigger in English, as `describeTrigger` puts it. */
  schedule: string;
  /** The trigger as it is stored (`toJSON()`). */
  trigger: unknown;
  nextRunTime: string | null;
  paused: boolean;
  executor: string;
  args: unknown[];
  misfireGraceTime: number | null;
  coalesce: boolean;
  maxInstances: number;
  timeout: number | null;
  /** True when a run whose node dies mid-run runs once more on another node (`requestsRecovery`). */
  requestsRecovery: boolean;
}

export function jobJson(job: Job): JobJson {
  return {
    id: job.id,
    name: job.name,
    func: typeof job.func === 'string' ? job.func : '<function>',
    schedule: describeTrigger(job.trigger),
    trigger: job.trigger.toJSON(),
    nextRunTime: job.nextRunTime?.toISOString() ?? null,
    paused: job.nextRunTime === null,
    executor: job.executor,
    args: job.args,
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    timeout: job.timeout,
    requestsRecovery: job.requestsRecovery,
  };
}

/** A run record in `--json` output: the record as stored, with `durationMs`. */
export function runJson(run: RunRecord): Record<string, unknown> {
  return {
    ...run,
    manual: run.manual === true,
    durationMs:
      run.startedAt !== null && run.finishedAt !== null
        ? run.finishedAt.getTime() - run.startedAt.getTime()
        : null,
  };
}

/** The columns of a run history table: scheduled, started, outcome, duration, detail. */
export const RUN_HEADINGS = ['SCHEDULED', 'OUTCOME', 'DURATION', 'DETAIL'];

export function runRow(run: RunRecord, zone: string): string[] {
  const duration =
    run.startedAt !== null && run.finishedAt !== null
      ? formatDuration(run.finishedAt.getTime() - run.startedAt.getTime())
      : '-';
  const outcome = run.manual === true ? `${run.outcome} (manual)` : run.outcome;
  return [formatTime(run.scheduledRunTime, zone), outcome, duration, runDetail(run)];
}

/**
 * An error as `Name: message`, the return value, or for an interrupted run the node that was cut
 * off, in one line of at most 80 characters.
 */
function runDetail(run: RunRecord): string {
  const text =
    run.outcome === 'interrupted'
      ? `node ${run.schedulerId} stopped heartbeating during the run`
      : run.error !== null
        ? `${run.error.name}: ${run.error.message}`
        : run.returnValue === null || run.returnValue === undefined
          ? ''
          : `returned ${JSON.stringify(run.returnValue)}`;
  const line = text.replace(/\s+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** How many of `runs` each node holds, by node id. */
export function heldRuns(runs: ActiveRun[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { node } of runs) if (node !== null) counts.set(node, (counts.get(node) ?? 0) + 1);
  return counts;
}

/** A node in `--json` output (`Scheduler.getNodes`), with the number of runs it holds. */
export type NodeJson = NodeRecord & { heldRuns: number };

export function nodeJson(node: NodeRecord, held: number): NodeJson {
  return { ...node, heldRuns: held };
}

/**
 * A run in progress in `--json` output: its job by id and name (not its args, which may hold
 * secrets), `held` by a node or `waiting` for one, and whether its holder is among the live nodes.
 */
export function activeRunJson(run: ActiveRun, liveNodes: ReadonlySet<string>): Record<string, unknown> {
  return {
    id: run.id,
    jobId: run.job.id,
    jobName: run.job.name,
    executor: run.job.executor,
    state: run.node === null ? 'waiting' : 'held',
    node: run.node,
    nodeLive: run.node === null ? null : liveNodes.has(run.node),
    since: run.createdAt,
    leaseUntil: run.leaseUntil,
    scheduledRunTimes: run.scheduledRunTimes,
    manual: run.manual,
    recovery: run.recovery,
  };
}
