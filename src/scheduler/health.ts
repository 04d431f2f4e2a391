// Per-job health (`Scheduler.getJobHealth`) and the scheduler's own (`Scheduler.health`), for
// dashboards, alerts and liveness and readiness probes.
import type { RunHistory } from '../runs/run-history.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { JobStore, RunRecord } from '../stores/job-store.js';
import type { Jobs } from './jobs.js';
import { invalidOption } from './options.js';
import type { SchedulerSettings } from './settings.js';

/** How a job has been doing, from its run history and its next run time. */
export interface JobHealth {
  jobId: string;
  /** The newest run record of the job, of any outcome; `null` when none is kept. */
  lastRun: RunRecord | null;
  /** When the newest successful run finished. */
  lastSuccess: Date | null;
  /**
   * The newest run that failed, timed out, was missed or was interrupted (its node died): when it
   * ended (a missed or interrupted run: its scheduled time), how, and its error (`null` for those
   * two).
   */
  lastFailure: {
    at: Date;
    outcome: 'error' | 'timeout' | 'missed' | 'interrupted';
    error: RunRecord['error'];
  } | null;
  /**
   * Runs that ended in `error`, `timeout` or `interrupted` since the last success (missed runs are
   * not counted: nothing went wrong with the job).
   * Counted in the kept history, so at most the scheduler's `runRetention`.
   */
  consecutiveFailures: number;
  /**
   * True when the job's next run time lies further in the past than its misfire grace time (at
   * least one second; a job without a limit counts one second) while the scheduler is running and
   * the job is not paused: a run is due that no scheduler has taken.
   */
  overdue: boolean;
  /** The run time that is overdue, when `overdue`. */
  overdueSince: Date | null;
}

/** The health of a scheduler: for a liveness probe (`live`) and a readiness probe (`ready`). */
export interface SchedulerHealth {
  /** The scheduler has started and is not shut down (or failed to start). */
  live: boolean;
  /** The scheduler is running (not paused) and every job store answered in time. */
  ready: boolean;
  state: 'stopped' | 'running' | 'paused';
  /**
   * Each job store, by alias: whether it answered a cheap query (`getNextRunTime`) within the
   * timeout, how long it took, and the error when it did not. While stopped, stores are not asked.
   */
  stores: Record<string, { ok: boolean; latencyMs: number | null; error?: string }>;
  /**
   * Each executor's load, by alias: runs in progress, runs waiting (for a free slot, or out a
   * retry's backoff), and how many it runs at once.
   */
  executors: Record<string, { running: number; queued: number; concurrency: number }>;
  checkedAt: Date;
}

/** Options of `Scheduler.health`. */
export interface HealthOptions {
  /** How long each store has to answer, in milliseconds. Default 2000. */
  timeoutMs?: number;
}

/** What the health checks read from their scheduler. */
export interface HealthHost {
  state(): SchedulerHealth['state'];
  settings(): SchedulerSettings;
  readonly jobs: Jobs;
  readonly history: RunHistory;
  readonly stores: ReadonlyMap<string, JobStore>;
  readonly queues: ReadonlyMap<string, RunQueue>;
}

/** A job without a misfire grace time, or with less, is overdue this long after its run time. */
const MIN_OVERDUE_MS = 1000;
const DEFAULT_PING_TIMEOUT_MS = 2000;

/** The health of one job (see `JobHealth`). Throws `JobLookupError` when there is no such job. */
export async function jobHealth(
  host: HealthHost,
  id: string,
  jobStore: string | undefined,
): Promise<JobHealth> {
  const found = await host.jobs.find(id, jobStore);
  const { clock, runRetention } = host.settings();
  let runs: RunRecord[] = [];
  if (!found.pending && runRetention > 0) {
    await host.history.flush();
    runs = await host.jobs.runs(id, runRetention, found.alias);
  }
  const health: JobHealth = {
    jobId: id,
    lastRun: runs[0] ?? null,
    lastSuccess: null,
    lastFailure: null,
    consecutiveFailures: 0,
    overdue: false,
    overdueSince: null,
  };
  let counting = true;
  for (const run of runs) {
    if (run.outcome === 'success') {
      health.lastSuccess ??= run.finishedAt;
      counting = false;
    } else {
      health.lastFailure ??= {
        at: run.finishedAt ?? run.scheduledRunTime,
        outcome: run.outcome,
        error: run.error,
      };
      if (counting && run.outcome !== 'missed') health.consecutiveFailures++;
    }
    if (health.lastSuccess !== null && health.lastFailure !== null) break;
  }
  const since = host.state() === 'running' ? overdueSince(found.state, clock.now()) : null;
  if (since !== null) {
    health.overdue = true;
    health.overdueSince = since;
  }
  return health;
}

/**
 * The run time of `job` that is overdue at `now` (further in the past than its misfire grace
 * time, at least one second), or `null`. Whether anything should have run it is the caller's
 * question: `jobHealth` asks it only of a running scheduler; `horae doctor`, which inspects a
 * store that other schedulers run, asks it always.
 */
export function overdueSince(
  job: { nextRunTime: Date | null; misfireGraceTime: number | null },
  now: number,
): Date | null {
  const { nextRunTime, misfireGraceTime } = job;
  const graceMs = Math.max((misfireGraceTime ?? 0) * 1000, MIN_OVERDUE_MS);
  return nextRunTime !== null && now - nextRunTime.getTime() > graceMs ? nextRunTime : null;
}

/** The scheduler's health (see `SchedulerHealth`). */
export async function schedulerHealth(
  host: HealthHost,
  options: HealthOptions = {},
): Promise<SchedulerHealth> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw invalidOption('timeoutMs', timeoutMs, 'a positive number of milliseconds');
  }
  const state = host.state();
  const { clock } = host.settings();
  const stores: SchedulerHealth['stores'] = {};
  const pings = [...host.stores].map(async ([alias, store]) => {
    stores[alias] =
      state === 'stopped'
        ? { ok: false, latencyMs: null, error: 'the scheduler is stopped' }
        : await ping(store, clock, timeoutMs);
  });
  await Promise.all(pings);
  const executors: SchedulerHealth['executors'] = {};
  for (const [alias, queue] of host.queues) {
    executors[alias] = { ...queue.load(), concurrency: queue.executor.concurrency };
  }
  return {
    live: state !== 'stopped',
    ready: state === 'running' && Object.values(stores).every((store) => store.ok),
    state,
    stores,
    executors,
    checkedAt: new Date(clock.now()),
  };
}

/** Asks a store for its next run time, giving up after `timeoutMs` on the scheduler's clock. */
async function ping(
  store: JobStore,
  clock: SchedulerSettings['clock'],
  timeoutMs: number,
): Promise<SchedulerHealth['stores'][string]> {
  const started = clock.now();
  let timer: ReturnType<typeof clock.setTimer> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimer(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([store.getNextRunTime(), timeout]);
    return { ok: true, latencyMs: clock.now() - started };
  } catch (error) {
    return { ok: false, latencyMs: null, error: error instanceof Error ? error.message : String(error) };
  } finally {
    if (timer !== undefined) clock.clearTimer(timer);
  }
}
