import type { Trigger } from './trigger.js';

/** The trigger in English (first version: its `toString()`; the full one follows). */
export function describeTrigger(trigger: Trigger): string {
  return trigger.toString();
}
