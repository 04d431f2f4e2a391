export { HoraeModule, InjectScheduler, type HoraeModuleAsyncOptions } from './horae-module.js';
export { HORAE_SCHEDULER, HORAE_MODULE_OPTIONS, type HoraeModuleOptions } from './module-options.js';
export {
  Cron,
  Interval,
  Timeout,
  ScheduledJob,
  type CronOptions,
  type IntervalOptions,
  type DecoratedJobOptions,
} from './decorators.js';
export { NestDependencyError } from './nest-runtime.js';
