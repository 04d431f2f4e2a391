// How the parts of a scheduler are wired together: the run history and reporter (src/runs/), the
// stores and executors (components.ts), the run loop (processor.ts), the cluster node
// (cluster-node.ts) and the jobs (jobs.ts), each reading the scheduler's settings and state
// through closures, so `configure` and `start` apply to all of them at once.
import type { SchedulerEventUnion } from '../events/events.js';
import type { ListenerRegistry } from '../events/listeners.js';
import { RunHistory } from '../runs/run-history.js';
import { RunReporter } from '../runs/run-reporter.js';
import { ClusterNode } from './cluster-node.js';
import { Components } from './components.js';
import type { FunctionResolver } from './function-resolver.js';
import type { HealthHost } from './health.js';
import { Jobs, type JobsHost } from './jobs.js';
import type { PreviewHost } from './previews.js';
import { JobProcessor } from './processor.js';
import type { RunNowHost } from './run-now.js';
import type { SchedulerSettings } from './settings.js';

/** What run-now.ts, previews.ts and health.ts read. */
export type SchedulerOps = RunNowHost & PreviewHost & HealthHost;

/** What the parts read from the scheduler. */
export interface SchedulerCore {
  settings(): SchedulerSettings;
  state(): 'stopped' | 'running' | 'paused';
  emit(event: SchedulerEventUnion): void;
  /** Checks for due jobs now (a store saw another process change its jobs). */
  wakeup(): void;
  readonly listeners: ListenerRegistry;
  readonly resolver: FunctionResolver;
  /** What `Job` handles call back into (the scheduler itself). */
  readonly handles: JobsHost['handles'];
}

export interface SchedulerParts {
  history: RunHistory;
  components: Components;
  processor: JobProcessor;
  cluster: ClusterNode;
  jobs: Jobs;
  ops: SchedulerOps;
}

export function assembleScheduler(core: SchedulerCore): SchedulerParts {
  const { settings, emit, listeners } = core;
  const history = new RunHistory({
    store: (alias) => components.stores.get(alias),
    logger: () => settings().logger,
    retention: () => settings().runRetention,
    nodeId: () => settings().schedulerId,
  });
  const endRun = (jobStore: string, runId: string) => history.end(jobStore, runId);
  const handedOver = (jobStore: string) => cluster.announce(jobStore, null);
  const reporter = new RunReporter({
    listeners,
    history,
    schedulerId: () => settings().schedulerId,
    retention: () => settings().runRetention,
    emit,
  });
  const components: Components = new Components({
    settings,
    reporter,
    resolver: core.resolver,
    flushRuns: () => history.flush(),
    emit,
    wakeup: core.wakeup,
    endRun,
    leave: () => cluster.stop(),
  });
  const { stores, queues } = components;
  const processor = new JobProcessor({
    isRunning: () => core.state() === 'running' && settings().role !== 'client',
    stores,
    queues,
    listeners,
    reporter,
    history,
    instruments: components.instruments,
    settings,
    emit,
    handedOver,
  });
  const cluster: ClusterNode = new ClusterNode(
    {
      settings,
      stores,
      executors: () => (components.runsJobs() ? [...queues.keys()] : []),
      history,
      emit,
      scheduleCheck: (time) => processor.scheduleCheck(time),
      wakeupForRuns: () => {
        if (core.state() === 'running') void processor.wakeupForRuns();
      },
    },
    listeners,
  );
  const jobs = new Jobs({
    components,
    listeners,
    settings,
    started: () => core.state() !== 'stopped',
    emit,
    scheduleCheck: (time, jobStore) => {
      processor.scheduleCheck(time);
      if (time !== null) cluster.announce(jobStore, time);
    },
    handles: core.handles,
  });
  const state = core.state;
  const ops = { state, settings, jobs, stores, queues, reporter, history, emit, endRun, handedOver };
  return { history, components, processor, cluster, jobs, ops };
}
