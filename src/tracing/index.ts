export { enableTracing, type TracingOptions, type SchedulerTracing } from './run-tracing.js';
