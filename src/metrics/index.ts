export { instrumentScheduler, type MetricsOptions, type SchedulerMetrics } from './scheduler-metrics.js';
export {
  metricsRequestHandler,
  metricsMiddleware,
  type MetricsSource,
  type MetricsRequestHandler,
  type MetricsMiddleware,
} from './metrics-handler.js';
export { MetricsDependencyError } from './prom-client.js';
