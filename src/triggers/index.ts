export type { Trigger, TriggerJSON } from './trigger.js';
export { describeTrigger } from './describe.js';
export {
  registerTriggerFactory,
  registeredTriggerTypes,
  triggerFromJSON,
  type TriggerAliases,
  type TriggerAlias,
  type TriggerFactory,
} from './registry.js';
export { DateTrigger, type DateTriggerOptions } from './date-trigger.js';
export { IntervalTrigger, type IntervalTriggerOptions } from './interval-trigger.js';
export { CronTrigger, type CronTriggerOptions, type CrontabOptions } from './cron-trigger.js';
export type { CronFieldValue } from './cron/field-form.js';
export { CalendarIntervalTrigger, type CalendarIntervalTriggerOptions } from './calendar-interval-trigger.js';
export { AndTrigger } from './and-trigger.js';
export { OrTrigger } from './or-trigger.js';
export type { CombiningTriggerOptions, CombiningTriggerAliasOptions } from './combining.js';
