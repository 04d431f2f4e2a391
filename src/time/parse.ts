import { InvalidTriggerError } from '../errors.js';
import { fromWallTime } from './zone.js';

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const WITH_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads a date argument: a `Date`, epoch milliseconds, an ISO 8601 string with an offset, or a naive
 * `'YYYY-MM-DD[ HH:MM[:SS[.mmm]]]'` read as wall time in `timeZone`. Throws `InvalidTriggerError`
 * naming `field` for anything else.
 */
export function parseDateInput(value: unknown, timeZone: string, field: string): Date {
  return new Date(parseDateMs(value, timeZone, field));
}

/** `parseDateInput` as epoch ms, without making a `Date` for a `Date` or a number given. */
export function parseDateMs(value: unknown, timeZone: string, field: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw invalid(field, value);
    return ms;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(field, value);
    return value;
  }
  if (typeof value === 'string') {
    const naive = NAIVE.exec(value.trim());
    if (naive !== null) {
      const [, y, mo, d, h, mi, s, ms] = naive;
      const wall = {
        year: Number(y),
        month: Number(mo),
        day: Number(d),
        hour: Number(h ?? 0),
        minute: Number(mi ?? 0),
        second: Number(s ?? 0),
        millisecond: Number((ms ?? '0').padEnd(3, '0')),
      };
      const check = new Date(
        Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second),
      );
      if (
        check.getUTCMonth() !== wall.month - 1 ||
        check.getUTCDate() !== wall.day ||
        wall.hour > 23 ||
        wall.minute > 59 ||
        wall.second > 59
      ) {
        throw invalid(field, value);
      }
      return fromWallTime(timeZone, wall);
    }
    if (WITH_OFFSET.test(value.trim())) {
      const parsed = Date.parse(value);
      if (!Number.isNaN(parsed)) return parsed;
    }
  }
  throw invalid(field, value);
}

function invalid(field: string, value: unknown): InvalidTriggerError {
  const shown = value instanceof Date ? 'Invalid Date' : (JSON.stringify(value) ?? String(value));
  return new InvalidTriggerError(
    `Invalid ${field} ${shown}: expected a Date, epoch milliseconds, an ISO 8601 string with an offset, or "YYYY-MM-DD[ HH:MM[:SS]]"`,
    { field, value },
  );
}

/** Formats an instant as `YYYY-MM-DD HH:MM:SS` wall time in `timeZone` followed by the zone name. */
export function formatInZone(date: Date, timeZone: string, offsetMs: number): string {
  const wall = new Date(date.getTime() + offsetMs);
  const iso = wall.toISOString();
  const ms = wall.getUTCMilliseconds();
  return `${iso.slice(0, 10)} ${iso.slice(11, ms === 0 ? 19 : 23)} ${timeZone}`;
}
