import type { Job } from '../scheduler/job.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { RunRecord } from '../stores/job-store.js';
import type { JobHealth } from '../scheduler/health.js';
import { describeTrigger } from '../triggers/describe.js';
import { funcName, triggerZone } from './operations.js';

/** A job as the admin API returns it. Times are ISO strings; `args` only with `showArgs`. */
export interface JobView {
  id: string;
  name: string;
  func: string;
  trigger: { type: string; text: string; description: string; json: unknown };
  timezone: string;
  jobStore: string;
  executor: string;
  nextRunTime: string | null;
  paused: boolean;
  pending: boolean;
  misfireGraceTime: number | null;
  coalesce: boolean;
  maxInstances: number;
  timeout: number | null;
  retry: Job['retry'];
  /** True when a run whose node dies mid-run runs once more on another node (`requestsRecovery`). */
  requestsRecovery: boolean;
  args?: unknown[];
}

/** A run record as the admin API returns it. */
export interface RunView {
  jobId: string;
  outcome: RunRecord['outcome'];
  scheduledRunTime: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: RunRecord['error'];
  returnValue: unknown;
  /** The node that ran it; for an `interrupted` run, the node that stopped heartbeating during it. */
  schedulerId: string;
  manual: boolean;
}

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

export function jobView(job: Job, scheduler: Scheduler, showArgs: boolean): JobView {
  const view: JobView = {
    id: job.id,
    name: job.name,
    func: funcName(job),
    trigger: {
      type: job.trigger.type,
      text: job.trigger.toString(),
      description: describeTrigger(job.trigger),
      json: job.trigger.toJSON(),
    },
    timezone: triggerZone(job.trigger, scheduler.timezone),
    jobStore: job.jobStore,
    executor: job.executor,
    nextRunTime: iso(job.nextRunTime),
    paused: job.nextRunTime === null,
    pending: job.pending,
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    timeout: job.timeout,
    retry: job.retry,
    requestsRecovery: job.requestsRecovery,
  };
  if (showArgs) view.args = job.args;
  return view;
}

export function runView(run: RunRecord): RunView {
  const started = run.startedAt;
  const finished = run.finishedAt;
  return {
    jobId: run.jobId,
    outcome: run.outcome,
    scheduledRunTime: run.scheduledRunTime.toISOString(),
    startedAt: iso(started),
    finishedAt: iso(finished),
    durationMs: started && finished ? finished.getTime() - started.getTime() : null,
    error: run.error,
    returnValue: run.returnValue ?? null,
    schedulerId: run.schedulerId,
    manual: run.manual === true,
  };
}

export interface HealthView {
  lastRun: RunView | null;
  lastSuccess: string | null;
  lastFailure: { at: string; outcome: string; error: RunRecord['error'] } | null;
  consecutiveFailures: number;
  overdue: boolean;
  overdueSince: string | null;
}

export function healthView(health: JobHealth): HealthView {
  return {
    lastRun: health.lastRun === null ? null : runView(health.lastRun),
    lastSuccess: iso(health.lastSuccess),
    lastFailure:
      health.lastFailure === null
        ? null
        : {
            at: health.lastFailure.at.toISOString(),
            outcome: health.lastFailure.outcome,
            error: health.lastFailure.error,
          },
    consecutiveFailures: health.consecutiveFailures,
    overdue: health.overdue,
    overdueSince: iso(health.overdueSince),
  };
}
