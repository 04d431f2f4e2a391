// The path a run takes in a scheduler, without the scheduler's loop: an executor behind its
// `RunQueue`, made and started by the scheduler's own `Components` (so functions and references
// are resolved by the real `FunctionResolver`), reporting through a `RunReporter` into a
// `RunHistory` over a real MemoryJobStore and a listener that collects the events. Shared by the
// run-queue tests and the executor tests (unit and integration).
import { afterEach } from 'vitest';
import {
  AsyncExecutor,
  EVENT_ALL,
  SystemClock,
  silentLogger,
  type Clock,
  type JobState,
  type Logger,
  type SchedulerEventUnion,
} from '../../../src/index.js';
import type { Executor, ExecutorContext } from '../../../src/executors/executor.js';
import { ListenerRegistry } from '../../../src/events/listeners.js';
import type { RunSubmission } from '../../../src/runs/attempt.js';
import { RunHistory } from '../../../src/runs/run-history.js';
import { RunReporter } from '../../../src/runs/run-reporter.js';
import type { RunQueue } from '../../../src/runs/run-queue.js';
import { Components } from '../../../src/scheduler/components.js';
import { FunctionResolver } from '../../../src/scheduler/function-resolver.js';
import { defaultSettings } from '../../../src/scheduler/settings.js';
import type { JobStore, RunRecord } from '../../../src/stores/job-store.js';
import { FakeClock } from '../../../src/testing.js';
import { T0 } from '../../helpers/jobs.js';
import { waitUntil } from '../../helpers/wait.js';

export interface RunsOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /** The executor's alias. Default `'default'`. */
  alias?: string;
  /** What relative references resolve against. Default: the working directory. */
  baseDir?: string;
  /** The event mask of the listener that collects `events`; 0 for no listener. Default: every event. */
  listen?: number;
  /** Whether runs are recorded (a retention of 10, as a scheduler's default). Default true. */
  history?: boolean;
  /** Default: silent. */
  logger?: Logger;
}

/**
 * Starts `executor` the way a scheduler does and gives its run queue with what it reports:
 * `events` as a listener hears them, `kept` as the run history receives the records. Call
 * `useRuns()` at the top level of a test file to have every executor started in a test shut down
 * after it (without waiting).
 */
export function useRuns(): (executor: Executor, options?: RunsOptions) => Promise<Runs> {
  const started: Components[] = [];
  afterEach(async () => {
    for (const components of started.splice(0)) await components.stop(false);
  });
  return async (executor, options = {}) => {
    const runs = await startRuns(executor, options);
    started.push(runs.components);
    return runs;
  };
}

/**
 * `useRuns` for the event-loop executor (alias `'loop'`) on a fake clock at `T0`, with `wait(ms,
 * value)`: a job body that resolves with `value` after `ms` on that clock.
 */
export function useLoopRuns() {
  const startRuns = useRuns();
  return async (options: Omit<RunsOptions, 'clock'> & { maxConcurrency?: number } = {}) => {
    const { maxConcurrency, ...rest } = options;
    const clock = new FakeClock(T0);
    const runs = await startRuns(new AsyncExecutor({ maxConcurrency }), { clock, alias: 'loop', ...rest });
    const wait = (ms: number, value?: unknown) => () =>
      new Promise((done) => clock.setTimer(() => done(value), ms));
    return { ...runs, clock, wait };
  };
}

export type Runs = Awaited<ReturnType<typeof startRuns>>;

export async function startRuns(executor: Executor, options: RunsOptions = {}) {
  const alias = options.alias ?? 'default';
  const settings = {
    ...defaultSettings(),
    clock: options.clock ?? new SystemClock(),
    logger: options.logger ?? silentLogger,
    baseDir: options.baseDir ?? process.cwd(),
    schedulerId: 'sched-1',
    runRetention: options.history === false ? 0 : 10,
  };
  const { clock, logger } = settings;
  const listeners = new ListenerRegistry(() => logger);
  const events: SchedulerEventUnion[] = [];
  const listen = options.listen ?? EVENT_ALL;
  if (listen !== 0) listeners.add((event) => events.push(event), listen);
  const emit = (event: SchedulerEventUnion) => listeners.dispatch(event);
  const resolver = new FunctionResolver(() => settings.baseDir);
  const history = new RunHistory({
    // Read once runs end, after `components` below is made.
    store: (storeAlias): JobStore | undefined => components.stores.get(storeAlias),
    logger: () => logger,
    retention: () => settings.runRetention,
    nodeId: () => settings.schedulerId,
  });
  const reporter = new RunReporter({
    listeners,
    history,
    schedulerId: () => settings.schedulerId,
    retention: () => settings.runRetention,
    emit,
  });
  const components: Components = new Components({
    settings: () => settings,
    reporter,
    resolver,
    flushRuns: () => history.flush(),
    emit,
    wakeup: () => undefined,
    endRun: (jobStore, runId) => history.end(jobStore, runId),
    leave: async () => undefined,
  });
  /** Each record as the run history received it (before its store has it), with its store. */
  const kept: { jobStore: string; record: RunRecord }[] = [];
  const keep = history.keep.bind(history);
  history.keep = (jobStore, record) => {
    kept.push({ jobStore, record });
    keep(jobStore, record);
  };
  components.configure({}, { [alias]: executor });
  await components.start();
  const queue = components.queues.get(alias) as RunQueue;
  /** The context `Components` starts the executor with, to start it again. */
  const context: ExecutorContext = { alias, logger, baseDir: settings.baseDir };

  /** A submission of `job` to store `'default'` at `times` (default: one run, due now). */
  function submission(job: JobState, times: Date[] = [new Date(clock.now())]): RunSubmission {
    return { job, jobStore: 'default', scheduledRunTimes: times };
  }

  return {
    queue,
    components,
    clock,
    context,
    resolver,
    listeners,
    events,
    kept,
    submission,
    /** Submits `job` with `runs` run times, all due now by the clock, as `RunQueue.submit` does. */
    submit(job: JobState, runs = 1): void {
      const now = clock.now();
      queue.submit(
        submission(
          job,
          Array.from({ length: runs }, () => new Date(now)),
        ),
      );
    },
    /** Lets the executor check a job as `addJob` does (`Executor.validateJob`, with its reference). */
    validate(job: JobState): void {
      components.validateForExecutor(job, true);
    },
    /** The job's run records in the store, newest first, once every record so far is written. */
    async storedRuns(jobId: string): Promise<RunRecord[]> {
      await history.flush();
      return components.lookupStore('default').getRuns(jobId, 100);
    },
    /** Resolves once `count` events with `code` (any code when omitted) have arrived, in real time. */
    async waitForEvents(count: number, code?: number, timeoutMs = 15_000): Promise<SchedulerEventUnion[]> {
      const matching = () => events.filter((event) => code === undefined || event.code === code);
      await waitUntil(
        () => matching().length >= count,
        () => `${count} events (code ${code}); got ${JSON.stringify(events.map((event) => event.code))}`,
        timeoutMs,
      );
      return matching();
    },
  };
}
