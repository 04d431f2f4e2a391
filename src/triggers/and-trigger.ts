import { InvalidTriggerError } from '../errors.js';
import {
  COMBINING_OPTION_KEYS,
  combiningFromJSON,
  combiningToJSON,
  combiningToString,
  firstFireAtOrAfter,
  nextFireAfter,
  readCombiningOptions,
  readTriggers,
  type CombiningTriggerAliasOptions,
  type CombiningTriggerOptions,
} from './combining.js';
import { assertTriggerVersion, registerTriggerFactory } from './registry.js';
import type { Trigger, TriggerJSON } from './trigger.js';
import { assertKnownKeys } from './validate.js';

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
export class AndTrigger implements Trigger {
  /** Rounds of the search before the parts are declared never to agree. */
  static maxIterations = 10_000;

  readonly type = 'and';
  readonly triggers: readonly Trigger[];
  readonly jitter: number | null;

  constructor(triggers: Trigger[], options?: CombiningTriggerOptions) {
    this.triggers = readTriggers(triggers, 'and');
    this.jitter = readCombiningOptions(options, 'and');
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

  toJSON(): TriggerJSON {
    return combiningToJSON('and', this.triggers, this.jitter);
  }

  toString(): string {
    return combiningToString('and', this.triggers, this.jitter);
  }

  static fromJSON(json: TriggerJSON): AndTrigger {
    assertTriggerVersion(json, 1);
    const { triggers, options } = combiningFromJSON(json);
    return new AndTrigger(triggers, options);
  }
}

declare module './registry.js' {
  interface TriggerAliases {
    and: CombiningTriggerAliasOptions;
  }
}

registerTriggerFactory({
  type: 'and',
  optionKeys: COMBINING_OPTION_KEYS,
  create: (options) => {
    assertKnownKeys(options, COMBINING_OPTION_KEYS, 'and');
    const { triggers, ...rest } = options as unknown as CombiningTriggerAliasOptions;
    return new AndTrigger(triggers, rest);
  },
  fromJSON: AndTrigger.fromJSON,
});
