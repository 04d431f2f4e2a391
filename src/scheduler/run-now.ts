// `Scheduler.runJob`: one run of a job, now, on the path of scheduled runs (src/runs/), leaving the
// job's schedule alone.
import { LookupError, MaxInstancesReachedError, SchedulerNotRunningError } from '../errors.js';
import { EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, type SchedulerEventUnion } from '../events/events.js';
import { copyJobState } from '../job-state.js';
import { Run } from '../runs/attempt.js';
import { Outcome } from '../runs/outcome.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { RunReporter } from '../runs/run-reporter.js';
import type { ActiveRun, JobStore } from '../stores/job-store.js';
import type { Jobs } from './jobs.js';
import type { SchedulerSettings } from './settings.js';

/** What a manual run reads from its scheduler. */
export interface RunNowHost {
  /** Executors take runs only once the scheduler has started (running or paused). */
  state(): 'stopped' | 'running' | 'paused';
  settings(): SchedulerSettings;
  readonly jobs: Jobs;
  readonly queues: ReadonlyMap<string, RunQueue>;
  readonly stores: ReadonlyMap<string, JobStore>;
  readonly reporter: RunReporter;
  emit(event: SchedulerEventUnion): void;
  /** Ends a stored run that will not run here after all (see `RunHistory.end`). */
  endRun(jobStore: string, runId: string): void;
  /** Tells worker nodes that a run waits for them in store `jobStore`. */
  handedOver(jobStore: string): void;
}

/** Numbers manual runs in this process; with the node id, an id unique in every store. */
let manualRuns = 0;

/**
 * Hands one run of the job to the run queue of its executor, scheduled for now and marked manual.
 * The stored job is only read: its next run time and any lease on it stay as they are. The run
 * then goes as a scheduled one does: `maxInstances` (counted with the scheduled runs in progress),
 * the misfire grace time from now, `timeout`, `retry`, the events, and a run record with `manual`.
 */
export async function runJobNow(host: RunNowHost, id: string, jobStore: string | undefined): Promise<void> {
  if (host.state() === 'stopped') throw new SchedulerNotRunningError();
  const found = await host.jobs.find(id, jobStore);
  // Not the store's object: the memory store's may change under a run that outlives its call.
  const job = copyJobState(found.state);
  const { clock, logger, schedulerId, role, leaseMs } = host.settings();
  const now = clock.now();
  const run = new Run(job, found.alias, [new Date(now)]);
  run.manual = true;
  const runsJobs = role === 'both' || role === 'worker';
  const queue = host.queues.get(job.executor);
  if (runsJobs && queue === undefined) {
    // As for a scheduled run of such a job (see `JobProcessor.failWithoutExecutor`): a failed run
    // on record, and here also the caller's error.
    const error = new LookupError(
      'executor',
      job.executor,
      `Executor "${job.executor}" of job "${job.name}" (id ${job.id}) was not found; manual run skipped`,
    );
    host.reporter.report(new ManualOutcome(run, error));
    throw error;
  }
  const submission = { jobId: job.id, jobStore: found.alias, scheduledRunTimes: run.scheduledRunTimes };
  const refused = (error: MaxInstancesReachedError) => {
    logger.warn(error.message);
    host.emit({ code: EVENT_JOB_MAX_INSTANCES, ...submission, manual: true });
    return error;
  };
  // Kept in the store from now to its outcome, and counted there against maxInstances: on this
  // node, or, on a node that runs nothing, waiting for a worker.
  const stored: ActiveRun = {
    id: `${schedulerId}/m${++manualRuns}`,
    job,
    scheduledRunTimes: run.scheduledRunTimes,
    node: runsJobs ? schedulerId : null,
    leaseUntil: runsJobs ? new Date(now + leaseMs) : null,
    manual: true,
    recovery: false,
    createdAt: new Date(now),
  };
  const store = host.stores.get(found.alias);
  if (store !== undefined) {
    const result = await store.releaseJobs(schedulerId, [], [stored]);
    if (result.refused.length > 0) throw refused(new MaxInstancesReachedError(job.id, job.maxInstances));
    run.storeRunId = stored.id;
  }
  if (queue !== undefined && runsJobs) {
    try {
      queue.submit(run);
    } catch (error) {
      if (run.storeRunId !== null) host.endRun(found.alias, run.storeRunId);
      if (error instanceof MaxInstancesReachedError) throw refused(error);
      throw error;
    }
  } else host.handedOver(found.alias);
  host.emit({ code: EVENT_JOB_SUBMITTED, ...submission, manual: true });
}

/** The failed outcome of a manual run that found no executor. */
class ManualOutcome extends Outcome {
  readonly manual = true;

  constructor(run: Run, error: LookupError) {
    super(run.job, run.jobStore, run.scheduledRunTime, 'error', error);
  }
}
