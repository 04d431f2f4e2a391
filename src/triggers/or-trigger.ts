import {
  COMBINING_OPTION_KEYS,
  combiningFromJSON,
  combiningToJSON,
  combiningToString,
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
 * Fires at the earliest next fire time of any of its triggers; a time two parts share fires once.
 * Each part is asked for its first time after the previous run whichever part fired it, so
 * interval and date parts keep their own schedules. Exhausted when every part is.
 *
 * @example new OrTrigger([new CronTrigger({ dayOfWeek: 'mon-fri', hour: 9 }), new CronTrigger({ dayOfWeek: 'sat,sun', hour: 11 })])
 */
export class OrTrigger implements Trigger {
  readonly type = 'or';
  readonly triggers: readonly Trigger[];
  readonly jitter: number | null;

  constructor(triggers: Trigger[], options?: CombiningTriggerOptions) {
    this.triggers = readTriggers(triggers, 'or');
    this.jitter = readCombiningOptions(options, 'or');
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let earliest: number | null = null;
    for (const trigger of this.triggers) {
      const time = nextFireAfter(trigger, previousFireTime, now);
      if (time !== null && (earliest === null || time < earliest)) earliest = time;
    }
    return earliest === null ? null : new Date(earliest);
  }

  toJSON(): TriggerJSON {
    return combiningToJSON('or', this.triggers, this.jitter);
  }

  toString(): string {
    return combiningToString('or', this.triggers, this.jitter);
  }

  static fromJSON(json: TriggerJSON): OrTrigger {
    assertTriggerVersion(json, 1);
    const { triggers, options } = combiningFromJSON(json);
    return new OrTrigger(triggers, options);
  }
}

declare module './registry.js' {
  interface TriggerAliases {
    or: CombiningTriggerAliasOptions;
  }
}

registerTriggerFactory({
  type: 'or',
  optionKeys: COMBINING_OPTION_KEYS,
  create: (options) => {
    assertKnownKeys(options, COMBINING_OPTION_KEYS, 'or');
    const { triggers, ...rest } = options as unknown as CombiningTriggerAliasOptions;
    return new OrTrigger(triggers, rest);
  },
  fromJSON: OrTrigger.fromJSON,
});
