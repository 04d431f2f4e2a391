export type { Trigger, TriggerJSON } from './trigger.js';
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
