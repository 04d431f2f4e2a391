import { InvalidTriggerError } from '../errors.js';
import { zoneRules, type ZoneRules } from '../time/zone.js';
import { parseCrontab } from './cron/crontab.js';
import { parseFieldForm, type CronFieldValue } from './cron/field-form.js';
import { CRON_FIELDS, type CronFieldName } from './cron/fields.js';
import { CronSchedule, type ScheduleSpec } from './cron/schedule.js';
import { assertTriggerVersion, registerTriggerFactory } from './registry.js';
import type { Trigger, TriggerJSON } from './trigger.js';
import { describeWindow, readWindow, windowFromJSON, windowToJSON } from './window.js';
import { assertKnownKeys } from './validate.js';

/** Options shared by both ways of making a `CronTrigger`. */
interface CronCommonOptions {
  /** Earliest possible fire time (inclusive). */
  startDate?: Date | string | number;
  /** Latest possible fire time (inclusive). */
  endDate?: Date | string | number;
  /** IANA zone the fields are read in. Default: the scheduler's zone, else the system zone. */
  timezone?: string;
  /** Random delay of up to this many seconds, added to each run by the scheduler. */
  jitter?: number;
}

/**
 * APScheduler's cron fields. Each is a number or a string of comma-separated expressions: `*`,
 * `*\/n`, `a`, `a-b`, `a-b/n`, `a/n`; month names `jan`-`dec`; weekday names `sun`-`sat`; for `day`
 * also `last`, and `1st`-`5th` or `last` before a weekday (`'3rd wed'`, `'last fri'`). Weekday
 * NUMBERS follow cron: 0 and 7 are Sunday, 1 is Monday (APScheduler 3 numbers Monday 0).
 */
export interface CronTriggerOptions extends CronCommonOptions {
  /** 4-digit year, 1970-9999. */
  year?: CronFieldValue;
  /** 1-12 or `jan`-`dec`. */
  month?: CronFieldValue;
  /** Day of the month, 1-31, `last`, `'3rd wed'`, `'last fri'`. */
  day?: CronFieldValue;
  /** ISO 8601 week, 1-53. */
  week?: CronFieldValue;
  /** 0-7 (0 and 7 Sunday) or `sun`-`sat`; ANDed with `day`. */
  dayOfWeek?: CronFieldValue;
  hour?: CronFieldValue;
  minute?: CronFieldValue;
  second?: CronFieldValue;
}

/** Options of `CronTrigger.fromCrontab`. */
export interface CrontabOptions extends CronCommonOptions {
  /**
   * When both day of month and day of week are restricted, cron (Vixie) fires on a day matching
   * EITHER: `0 0 13 * 5` is every 13th and every Friday. `true` requires both (Friday the 13th),
   * as `CronTrigger`'s fields always do. Default: `false`.
   */
  domAndDow?: boolean;
}

const COMMON_KEYS = ['startDate', 'endDate', 'timezone', 'jitter'] as const;
const OPTION_KEYS = [...CRON_FIELDS, ...COMMON_KEYS] as const;
const CRONTAB_KEYS = [...COMMON_KEYS, 'domAndDow'] as const;

/** The crontab source of a trigger made by `fromCrontab`; a symbol key, so no option can collide. */
const CRONTAB = Symbol('crontab');
type InternalOptions = CronTriggerOptions & { [CRONTAB]?: { expression: string; domAndDow: boolean } };

/**
 * Fires when the wall-clock time in `timezone` matches every field, as APScheduler's `cron`
 * trigger does. Fields finer than the finest one given default to their minimum, coarser ones to
 * `*`: `{ day: 1 }` fires at 00:00:00 on the first of each month. DST follows SPEC section 3 (see
 * docs/triggers.md).
 *
 * @example new CronTrigger({ dayOfWeek: 'mon-fri', hour: 9, minute: 30, timezone: 'Europe/Berlin' })
 * @example CronTrigger.fromCrontab('0 12 * * 5#2', { timezone: 'America/New_York' })
 */
export class CronTrigger implements Trigger {
  readonly type = 'cron';
  /** The normalized text of each field given explicitly (field form), or null (crontab form). */
  readonly fields: Readonly<Partial<Record<CronFieldName, string>>> | null;
  /** The crontab expression (crontab form), or null. */
  readonly crontab: string | null;
  readonly domAndDow: boolean;
  readonly startDate: Date | null;
  readonly endDate: Date | null;
  readonly timezone: string;
  readonly jitter: number | null;
  private readonly schedule: CronSchedule;
  private readonly zone: ZoneRules;

  constructor(options: CronTriggerOptions, defaults?: { timezone: string }) {
    const source = (options as InternalOptions)[CRONTAB];
    assertKnownKeys(
      options,
      source === undefined ? OPTION_KEYS : CRONTAB_KEYS,
      source === undefined ? 'cron' : 'crontab',
    );
    let spec: ScheduleSpec;
    if (source === undefined) {
      const parsed = parseFieldForm(options);
      spec = parsed.spec;
      const fields: Partial<Record<CronFieldName, string>> = {};
      for (const field of CRON_FIELDS) {
        if (options[field] !== undefined && options[field] !== null) fields[field] = parsed.texts[field];
      }
      this.fields = fields;
      this.crontab = null;
      this.domAndDow = false;
    } else {
      spec = parseCrontab(source.expression, source.domAndDow);
      this.fields = null;
      this.crontab = source.expression.trim().replace(/\s+/g, ' ');
      this.domAndDow = source.domAndDow;
    }
    this.schedule = new CronSchedule(spec);
    ({
      timezone: this.timezone,
      startDate: this.startDate,
      endDate: this.endDate,
      jitter: this.jitter,
    } = readWindow(options, defaults));
    this.zone = zoneRules(this.timezone);
  }

  /**
   * A trigger from a crontab line: 5 fields (`minute hour day month weekday`), 6 (seconds first)
   * or 7 (a year last); nicknames `@yearly @annually @monthly @weekly @daily @midnight @hourly`;
   * `L`, `LW`, `15W` in the day field; `5L`, `5#2` in the weekday field; `?` for either.
   * `defaults.timezone` (the scheduler's zone) applies when `options.timezone` is not given.
   */
  static fromCrontab(
    expression: string,
    options: CrontabOptions = {},
    defaults?: { timezone: string },
  ): CronTrigger {
    assertKnownKeys(options, CRONTAB_KEYS, 'crontab');
    if (typeof expression !== 'string') {
      throw new InvalidTriggerError(
        `Invalid crontab ${JSON.stringify(expression)}: expected a string such as "*/5 * * * *"`,
        {
          field: 'crontab',
          value: expression,
        },
      );
    }
    const { domAndDow, ...common } = options;
    if (domAndDow !== undefined && typeof domAndDow !== 'boolean') {
      throw new InvalidTriggerError(
        `Invalid domAndDow ${JSON.stringify(domAndDow)}: expected true or false`,
        {
          field: 'domAndDow',
          value: domAndDow,
        },
      );
    }
    const internal: InternalOptions = { ...common, [CRONTAB]: { expression, domAndDow: domAndDow ?? false } };
    return new CronTrigger(internal, defaults);
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let from = previousFireTime === null ? now.getTime() : previousFireTime.getTime() + 1;
    if (this.startDate !== null && from < this.startDate.getTime()) from = this.startDate.getTime();
    const next = this.schedule.nextInstant(this.zone, from);
    if (next === null || (this.endDate !== null && next > this.endDate.getTime())) return null;
    return new Date(next);
  }

  toJSON(): TriggerJSON {
    const source =
      this.crontab === null
        ? { fields: { ...this.fields } }
        : { crontab: this.crontab, domAndDow: this.domAndDow };
    return {
      type: 'cron',
      version: 1,
      ...source,
      ...windowToJSON(this),
    };
  }

  toString(): string {
    const parts =
      this.crontab === null
        ? CRON_FIELDS.filter((field) => this.fields?.[field] !== undefined).map(
            (field) => `${field}='${this.fields?.[field]}'`,
          )
        : [`crontab='${this.crontab}'`, ...(this.domAndDow ? ['domAndDow'] : [])];
    parts.push(...describeWindow(this, (epochMs) => this.zone.offsetAt(epochMs)));
    return `cron[${parts.join(', ')}]`;
  }

  static fromJSON(json: TriggerJSON): CronTrigger {
    assertTriggerVersion(json, 1);
    const common: CronCommonOptions = windowFromJSON(json);
    if (typeof json.crontab === 'string') {
      return CronTrigger.fromCrontab(json.crontab, { ...common, domAndDow: json.domAndDow === true });
    }
    return new CronTrigger({ ...(json.fields as CronTriggerOptions), ...common });
  }
}

declare module './registry.js' {
  interface TriggerAliases {
    cron: CronTriggerOptions;
  }
}

registerTriggerFactory({
  type: 'cron',
  optionKeys: OPTION_KEYS,
  create: (options, defaults) => new CronTrigger(options, defaults),
  fromJSON: CronTrigger.fromJSON,
});
