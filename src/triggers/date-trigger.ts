import { formatInZone, parseDateMs } from '../time/parse.js';
import { offsetAt } from '../time/zone.js';
import { assertTriggerVersion, registerTriggerFactory } from './registry.js';
import type { Trigger, TriggerJSON } from './trigger.js';
import { assertKnownKeys, readTimeZone } from './validate.js';

export interface DateTriggerOptions {
  /** When to run: a Date, epoch ms, an ISO string with an offset, or naive `'YYYY-MM-DD[ HH:MM[:SS]]'` read in `timezone`. */
  runDate: Date | string | number;
  /** IANA zone for a naive `runDate` and for `toString()`. Default: the scheduler's zone, else the system zone. */
  timezone?: string;
}

const OPTION_KEYS = ['runDate', 'timezone'] as const;

/**
 * Fires once, at `runDate`. A run date in the past still yields that date, so the scheduler can run
 * it within the job's misfire grace time or report it missed, as APScheduler does.
 *
 * @example new DateTrigger({ runDate: '2026-12-12 15:30', timezone: 'Asia/Shanghai' })
 */
export class DateTrigger implements Trigger {
  readonly timezone: string;
  /**
   * The run date in epoch ms. A number rather than a `Date`: a `Date` takes 96 bytes in V8, and a
   * scheduler may hold 100,000 date triggers.
   */
  private readonly time: number;

  constructor(options: DateTriggerOptions, defaults?: { timezone: string }) {
    assertKnownKeys(options, OPTION_KEYS, 'date');
    this.timezone = readTimeZone(options.timezone, defaults?.timezone);
    this.time = parseDateMs(options.runDate, this.timezone, 'runDate');
  }

  // On the prototype rather than on each of (perhaps) 100,000 instances.
  get type(): 'date' {
    return 'date';
  }

  get jitter(): null {
    return null;
  }

  /** When the trigger fires (a new `Date` on each read). */
  get runDate(): Date {
    return new Date(this.time);
  }

  getNextFireTime(previousFireTime: Date | null, _now?: Date): Date | null {
    return previousFireTime === null || previousFireTime.getTime() < this.time ? new Date(this.time) : null;
  }

  toJSON(): TriggerJSON {
    return { type: 'date', version: 1, runDate: this.runDate.toISOString(), timezone: this.timezone };
  }

  toString(): string {
    return `date[${formatInZone(this.runDate, this.timezone, offsetAt(this.timezone, this.time))}]`;
  }

  static fromJSON(json: TriggerJSON): DateTrigger {
    assertTriggerVersion(json, 1);
    return new DateTrigger({ runDate: json.runDate as string, timezone: json.timezone as string });
  }
}

declare module './registry.js' {
  interface TriggerAliases {
    date: DateTriggerOptions;
  }
}

registerTriggerFactory({
  type: 'date',
  optionKeys: OPTION_KEYS,
  create: (options, defaults) => new DateTrigger(options as unknown as DateTriggerOptions, defaults),
  fromJSON: DateTrigger.fromJSON,
});
