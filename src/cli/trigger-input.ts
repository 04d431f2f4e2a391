// Triggers from command-line flags: `--cron '0 9 * * mon-fri'`, `--interval 5m`, `--date
// '2026-12-24 18:00'`, each read in `--tz`; and durations such as `90s` or `1h30m`.
import { CronTrigger } from '../triggers/cron-trigger.js';
import { DateTrigger } from '../triggers/date-trigger.js';
import { IntervalTrigger } from '../triggers/interval-trigger.js';
import type { Trigger } from '../triggers/trigger.js';
import { assertTimeZone, systemTimeZone } from '../time/zone.js';
import { CliUsageError } from './cli-errors.js';

/** The trigger flags a command takes. */
export interface TriggerFlags {
  cron?: string;
  interval?: string;
  date?: string;
  tz?: string;
  start?: string;
  end?: string;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const UNIT_NAMES: Record<string, string> = {
  ms: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  w: 'w',
  week: 'w',
  weeks: 'w',
};

/**
 * Milliseconds in a duration such as `30s`, `5m`, `1h30m`, `2 days` or `500ms`: numbers each
 * followed by a unit (ms, s, m, h, d, w, or their names). Throws `CliUsageError` naming `field`
 * for anything else, a bare number included (seconds or minutes? the reader cannot tell).
 */
export function parseDuration(text: string, field: string): number {
  const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;
  const input = text.trim().toLowerCase();
  let total = 0;
  let read = 0;
  for (let match = part.exec(input); match !== null; match = part.exec(input)) {
    const unit = UNIT_NAMES[match[2] as string];
    if (unit === undefined) break;
    total += Number(match[1]) * (UNIT_MS[unit] as number);
    read = part.lastIndex;
  }
  if (read !== input.length || !(total > 0) || !Number.isFinite(total)) {
    throw new CliUsageError(
      `Invalid duration for --${field} ${JSON.stringify(text)}: expected a number and a unit, ` +
        'such as 30s, 5m, 1h30m, 2d or 500ms',
      { field },
    );
  }
  return total;
}

/** `--tz`, checked, or the zone the process runs in. */
export function zoneOf(flags: { tz?: string }): string {
  return flags.tz === undefined ? systemTimeZone() : assertTimeZone(flags.tz, '--tz');
}

/**
 * The one trigger the flags describe, its times read in `--tz` (default: the system zone), with
 * `--start` and `--end` for the cron and interval triggers. `positional` is a crontab expression
 * given as an argument (`horae next '0 9 * * *'`), the same as `--cron`. Throws `CliUsageError`
 * when none or several are given, and the trigger's own `InvalidTriggerError` for a bad one.
 */
export function triggerFromFlags(flags: TriggerFlags, positional?: string): Trigger {
  const cron = positional ?? flags.cron;
  if (positional !== undefined && flags.cron !== undefined) {
    throw new CliUsageError('Give the cron expression once: as an argument or with --cron, not both', {
      field: 'cron',
    });
  }
  const given = [
    cron === undefined ? null : '--cron',
    flags.interval === undefined ? null : '--interval',
    flags.date === undefined ? null : '--date',
  ].filter((flag) => flag !== null);
  if (given.length !== 1) {
    throw new CliUsageError(
      given.length === 0
        ? 'No trigger given: pass a cron expression, --interval <duration> or --date <time>'
        : `Give one trigger, not ${given.join(' and ')}`,
      { field: 'trigger' },
    );
  }
  const timezone = zoneOf(flags);
  const window = {
    ...(flags.start === undefined ? {} : { startDate: flags.start }),
    ...(flags.end === undefined ? {} : { endDate: flags.end }),
  };
  if (flags.date !== undefined) {
    if (flags.start !== undefined || flags.end !== undefined) {
      throw new CliUsageError('--start and --end go with --cron or --interval, not --date', {
        field: 'start',
      });
    }
    return new DateTrigger({ runDate: flags.date, timezone });
  }
  if (flags.interval !== undefined) {
    return new IntervalTrigger({
      milliseconds: parseDuration(flags.interval, 'interval'),
      timezone,
      ...window,
    });
  }
  return CronTrigger.fromCrontab(cron as string, { timezone, ...window });
}

/**
 * A crontab line, `*\/5 * * * * ./tasks.js:send`: the schedule (5 fields, 6 or 7, or a nickname
 * such as `@daily`) and, last, the job's `module:export` reference.
 */
export function splitCrontabLine(line: string): { expression: string; reference: string } {
  const words = line.trim().split(/\s+/);
  const reference = words.pop();
  if (reference === undefined || reference === '' || words.length === 0) {
    throw new CliUsageError(
      `Invalid crontab line ${JSON.stringify(line)}: expected a schedule and a job reference, ` +
        'such as "*/5 * * * * ./tasks.js:send"',
      { field: 'crontab' },
    );
  }
  return { expression: words.join(' '), reference };
}
