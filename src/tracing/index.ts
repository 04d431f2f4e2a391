export { enableTracing, type TracingOptions, type SchedulerTracing } from './run-tracing.js';
export { TracingDependencyError } from './otel-api.js';
