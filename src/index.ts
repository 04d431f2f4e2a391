export {
  Scheduler,
  type SchedulerState,
  type StoreSelector,
  type JobCallable,
} from './scheduler/scheduler.js';
export { Job } from './scheduler/job.js';
export type { JobHealth, SchedulerHealth, HealthOptions } from './scheduler/health.js';
export { MAX_PREVIEW_COUNT, type PreviewOptions } from './scheduler/previews.js';
export { MAX_QUERY_LIMIT, type JobQuery, type JobPage } from './scheduler/job-query.js';
export type {
  SchedulerOptions,
  JobOptions,
  AddJobOptions,
  RescheduleOptions,
  JobDefaults,
  JobChanges,
  ExecutorConfig,
  ExecutorType,
  ExecutorTypes,
  JobStoreConfig,
} from './scheduler/options.js';
export { MAX_CATCH_UP_RUNS } from './runs/run-plan.js';
export * from './triggers/index.js';
export * from './events/events.js';
export * from './errors.js';
export type { JobState, JobFunction } from './job-state.js';
export type {
  JobStore,
  JobStoreContext,
  JobRelease,
  JobStorePage,
  JobStoreQuery,
  RunRecord,
  ActiveRun,
  InterruptedRun,
  NodeRecord,
  NodeRole,
  ReleaseResult,
} from './stores/job-store.js';
export type { EventBroker, BrokerContext, BrokerMessage } from './events/event-broker.js';
export type { JobStoreType, JobStoreTypes, MemoryJobStoreOptions } from './stores/store-types.js';
export { MemoryJobStore } from './stores/memory/index.js';
export { registerJobStoreType, registerJobStoreScheme, createJobStoreFromUrl } from './stores/registry.js';
export { SystemClock, MAX_TIMER_DELAY_MS, type Clock, type TimerHandle } from './clock.js';
export { defaultLogger, silentLogger, type Logger } from './logger.js';
export { assertJsonSafe } from './serialization.js';
export * from './executors/index.js';
