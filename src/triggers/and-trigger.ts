import { InvalidTriggerError } from '../errors.js';
import {
  CombiningTrigger,
  combiningFromJSON,
  firstFireAtOrAfter,
  nextFireAfter,
  registerCombiningTrigger,
  type CombiningTriggerAliasOptions,
  type CombiningTriggerOptions,
} from './combining.js';
import type { Trigger, TriggerJSON } from './trigger.js';

/**
 * Fires at the times all of its triggers agree on (to the millisecond). Each part that is behind
 * is asked for its first fire time at or after the latest candidate (`getNextFireTime(null,
 * latest)`), so a fine part catches up with a coarse one in one step, until all are equal. Parts
 * that never agree (`month: 1` and `month: 2`) make `getNextFireTime` throw `InvalidTriggerError`
 * after `AndTrigger.maxIterations` rounds instead of searching forever; it returns null as soon as
 * any part is exhausted.
 *
 * @example new AndTrigger([new CronTrigger({ dayOfWeek: 'mon-fri', hour: 9 }), new CronTrigger({ day: '1-7' })])
 */
export class AndTrigger extends CombiningTrigger {
  /** Rounds of the search before the parts are declared never to agree. */
  static maxIterations = 10_000;

  constructor(triggers: Trigger[], options?: CombiningTriggerOptions) {
    super('and', triggers, options);
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    const times = this.triggers.map((trigger) => nextFireAfter(trigger, previousFireTime, now));
    for (let round = 0; round < AndTrigger.maxIterations; round++) {
      let earliest = Infinity;
      let latest = -Infinity;
      for (const time of times) {
        if (time === null) return null;
        earliest = Math.min(earliest, time);
        latest = Math.max(latest, time);
      }
      if (earliest === latest) return new Date(latest);
      this.triggers.forEach((trigger, i) => {
        if ((times[i] as number) < latest) times[i] = firstFireAtOrAfter(trigger, latest);
      });
    }
    throw new InvalidTriggerError(
      `The parts of ${this.toString()} did not agree on a fire time within ${AndTrigger.maxIterations} rounds of ` +
        'search; they probably never fire at the same moment',
      { field: 'triggers', value: this.toJSON() },
    );
  }

  static fromJSON(json: TriggerJSON): AndTrigger {
    return combiningFromJSON(json, AndTrigger);
  }
}

declare module './registry.js' {
  interface TriggerAliases {
    and: CombiningTriggerAliasOptions;
  }
}

registerCombiningTrigger('and', AndTrigger);
