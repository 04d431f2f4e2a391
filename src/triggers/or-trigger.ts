import {
  CombiningTrigger,
  combiningFromJSON,
  nextFireAfter,
  registerCombiningTrigger,
  type CombiningTriggerAliasOptions,
  type CombiningTriggerOptions,
} from './combining.js';
import type { Trigger, TriggerJSON } from './trigger.js';

/**
 * Fires at the earliest next fire time of any of its triggers; a time two parts share fires once.
 * Each part is asked for its first time after the previous run whichever part fired it, so
 * interval and date parts keep their own schedules. Exhausted when every part is.
 *
 * @example new OrTrigger([new CronTrigger({ dayOfWeek: 'mon-fri', hour: 9 }), new CronTrigger({ dayOfWeek: 'sat,sun', hour: 11 })])
 */
export class OrTrigger extends CombiningTrigger {
  constructor(triggers: Trigger[], options?: CombiningTriggerOptions) {
    super('or', triggers, options);
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let earliest: number | null = null;
    for (const trigger of this.triggers) {
      const time = nextFireAfter(trigger, previousFireTime, now);
      if (time !== null && (earliest === null || time < earliest)) earliest = time;
    }
    return earliest === null ? null : new Date(earliest);
  }

  static fromJSON(json: TriggerJSON): OrTrigger {
    return combiningFromJSON(json, OrTrigger);
  }
}

declare module './registry.js' {
  interface TriggerAliases {
    or: CombiningTriggerAliasOptions;
  }
}

registerCombiningTrigger('or', OrTrigger);
