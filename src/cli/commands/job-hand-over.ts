// `horae job run-now` on a cluster: the command's client scheduler stores the run for the cluster's
// worker nodes (`Scheduler.runJob` in the client role), and with --wait reads its outcome back
// from the run history.
import type { Job } from '../../scheduler/job.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import type { NodeRecord, RunRecord } from '../../stores/job-store.js';

/** How often `--wait` reads the store for the handed-over run's end. */
const POLL_MS = 250;

/** How a run ended, as the run history records it (`node`: where it ran). */
export interface RunOutcome {
  id: string;
  outcome: RunRecord['outcome'];
  scheduledRunTime: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  returnValue?: unknown;
  error?: { name: string; message: string };
  handedOver: boolean;
  node?: string;
}

/** A run handed to the cluster's workers, not waited for. */
export interface HandedOver {
  id: string;
  handedOver: true;
  scheduledRunTime: string;
  /** The live nodes that may take it (run the job's executor); empty: it waits for one to start. */
  workers: string[];
  /** A worker must start it within this many seconds of its hand-over, or it is missed; `null`: no limit. */
  misfireGraceTime: number | null;
}

/** The live nodes that take runs of jobs on `executor`: workers, and nodes of the role both. */
export function workersFor(nodes: NodeRecord[], executor: string): NodeRecord[] {
  return nodes.filter(
    (node) => (node.role === 'worker' || node.role === 'both') && node.executors.includes(executor),
  );
}

/**
 * Stores one manual run of `job` to wait for a worker node (the client's `runJob`), then, with
 * `wait`, reads the store until the run's record is there (or the run has left the store without
 * one, when the worker keeps no history). `MaxInstancesReachedError` when the job's runs in the
 * store are at its `maxInstances` already.
 */
export async function handOver(
  scheduler: Scheduler,
  job: Job,
  workers: NodeRecord[],
  wait: boolean,
): Promise<HandedOver | RunOutcome | null> {
  let scheduled: Date | undefined;
  scheduler.on('job_submitted', (event) => {
    if (event.jobId === job.id) scheduled = event.scheduledRunTimes[0];
  });
  await scheduler.runJob(job.id);
  const at = scheduled ?? new Date();
  if (!wait) {
    return {
      id: job.id,
      handedOver: true,
      scheduledRunTime: at.toISOString(),
      workers: workers.map((node) => node.id),
      misfireGraceTime: job.misfireGraceTime,
    };
  }
  const record = await recordOf(scheduler, job.id, at.getTime());
  return record === null ? null : outcomeOf(job.id, record);
}

/** The record of the manual run due at `time`; `null` when the run ended without one. */
async function recordOf(scheduler: Scheduler, jobId: string, time: number): Promise<RunRecord | null> {
  const find = async () =>
    (await scheduler.getRuns(jobId, { limit: 50 })).find(
      (record) => record.manual === true && record.scheduledRunTime.getTime() === time,
    );
  for (;;) {
    const record = await find();
    if (record !== undefined) return record;
    const inProgress = (await scheduler.getActiveRuns()).some(
      (run) => run.job.id === jobId && run.manual && run.scheduledRunTimes[0]?.getTime() === time,
    );
    // Gone from the store: its record, if the worker keeps one, was stored in the same step.
    if (!inProgress) return (await find()) ?? null;
    await new Promise((wake) => setTimeout(wake, POLL_MS));
  }
}

function outcomeOf(id: string, record: RunRecord): RunOutcome {
  const { startedAt, finishedAt } = record;
  const outcome: RunOutcome = {
    id,
    outcome: record.outcome,
    scheduledRunTime: record.scheduledRunTime.toISOString(),
    startedAt: startedAt?.toISOString() ?? null,
    finishedAt: finishedAt?.toISOString() ?? null,
    durationMs: startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : null,
    handedOver: true,
    node: record.schedulerId,
  };
  if (record.outcome === 'success' && record.returnValue !== null) outcome.returnValue = record.returnValue;
  if (record.error !== null) outcome.error = { name: record.error.name, message: record.error.message };
  return outcome;
}
