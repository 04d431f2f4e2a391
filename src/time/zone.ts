import { InvalidTriggerError } from '../errors.js';

/** Wall-clock fields in some time zone. `month` is 1-12, `weekday` 0-6 with 0 = Sunday. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone the process runs in (`TZ` or the system setting). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** True when `timeZone` is an IANA name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Returns `timeZone` when valid; throws `InvalidTriggerError` naming `field` otherwise. */
export function assertTimeZone(timeZone: unknown, field = 'timezone'): string {
  if (typeof timeZone !== 'string' || !isValidTimeZone(timeZone)) {
    throw new InvalidTriggerError(
      `Invalid ${field} ${JSON.stringify(timeZone)}: expected an IANA time zone name such as "Europe/Berlin" or "UTC"`,
      { field, value: timeZone },
    );
  }
  return timeZone;
}

const offsetCache = new Map<string, Map<number, number>>();
const CACHE_BUCKET_MS = 15 * 60_000;

function computeOffset(timeZone: string, epochMs: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of parts) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value === 'BC' || part.value === 'B';
        break;
    }
  }
  if (bc) year = 1 - year;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const floorSecond = Math.floor(epochMs / 1000) * 1000;
  return wall - floorSecond;
}

/**
 * The zone's UTC offset in milliseconds at `epochMs` (positive east of Greenwich). Offsets are
 * cached per quarter hour, the finest granularity of any transition in the IANA database since 1970.
 */
export function offsetAt(timeZone: string, epochMs: number): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  let cache = offsetCache.get(timeZone);
  if (cache === undefined) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const bucket = Math.floor(epochMs / CACHE_BUCKET_MS);
  let offset = cache.get(bucket);
  if (offset === undefined) {
    offset = computeOffset(timeZone, bucket * CACHE_BUCKET_MS);
    if (cache.size > 100_000) cache.clear();
    cache.set(bucket, offset);
  }
  return offset;
}

/** Wall-clock fields of the instant `epochMs` in `timeZone`. */
export function toWallTime(timeZone: string, epochMs: number): WallTime {
  const d = new Date(epochMs + offsetAt(timeZone, epochMs));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/**
 * The instant of a wall-clock time in `timeZone`, read as RFC 5545 and Temporal's `'compatible'`
 * disambiguation do: a time in a spring-forward gap uses the offset from before the gap (so it moves
 * forward by the gap's length), and a time that occurs twice resolves to its first occurrence.
 */
export function fromWallTime(timeZone: string, wall: WallTime): number {
  const utcWall = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  const earlier = offsetAt(timeZone, utcWall - 86_400_000);
  const later = offsetAt(timeZone, utcWall + 86_400_000);
  const first = utcWall - earlier;
  if (offsetAt(timeZone, first) === earlier) {
    const second = utcWall - later;
    if (later !== earlier && offsetAt(timeZone, second) === later && second < first) return second;
    return first;
  }
  const second = utcWall - later;
  if (offsetAt(timeZone, second) === later) return second;
  // In the gap: no candidate exists, so read the wall time with the offset before the gap.
  return first;
}
