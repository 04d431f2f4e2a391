import { readlinkSync } from 'node:fs';
import { InvalidTriggerError } from '../errors.js';

/** Wall-clock fields in some time zone. `month` is 1-12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** A change of a zone's UTC offset: from `at` on, the offset is `after` instead of `before` (milliseconds). */
export interface ZoneTransition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

/**
 * Offsets are read from `Intl` only while a zone's transitions are discovered, never per query.
 * The time line is cut into buckets of 200 days; a bucket is filled on first use by sampling
 * the offset every `SAMPLE_MS` and binary-searching each change to the second. After that an offset
 * is one `Map` lookup and a scan of at most a few transitions.
 *
 * `SAMPLE_MS` must be shorter than the shortest time a zone keeps one offset, or a short period
 * could fall between two samples. A scan of every IANA zone (6-hour samples for 1970-2040, 12-hour
 * samples for 1900-1970) found no two transitions closer than 7 days (north-east Brazil, October
 * 2000); 2 days leaves a wide margin. Several changes between two samples are still all found, as
 * long as the offset does not return to its earlier value in between.
 */
const BUCKET_MS = 200 * 86_400_000;
const SAMPLE_MS = 2 * 86_400_000;

interface Bucket {
  /** Transition instants inside the bucket, ascending. */
  readonly at: number[];
  /** `offsets[0]` holds at the bucket's start; `offsets[i + 1]` from `at[i]` on. */
  readonly offsets: number[];
}

/**
 * The offset history of one IANA zone, discovered lazily and cached. Shared by every trigger that
 * uses the zone; obtain it with `zoneRules(name)`.
 */
export class ZoneRules {
  private readonly buckets = new Map<number, Bucket>();
  private lastIndex = Number.NaN;
  private lastBucket: Bucket = { at: [], offsets: [0] };

  constructor(
    readonly name: string,
    private readonly formatter: Intl.DateTimeFormat | null,
  ) {}

  /** True for zones known never to change offset (UTC and its aliases). */
  get isFixed(): boolean {
    return this.formatter === null;
  }

  /** The UTC offset in milliseconds at `epochMs` (positive east of Greenwich). */
  offsetAt(epochMs: number): number {
    if (this.formatter === null) return 0;
    const bucket = this.bucket(Math.floor(epochMs / BUCKET_MS));
    const at = bucket.at;
    let i = 0;
    while (i < at.length && (at[i] as number) <= epochMs) i++;
    return bucket.offsets[i] as number;
  }

  /** The first transition with `after < at <= until`, or null. Scans only the buckets in that range. */
  transitionAfter(after: number, until: number): ZoneTransition | null {
    if (this.formatter === null) return null;
    const last = Math.floor(until / BUCKET_MS);
    for (let index = Math.floor(after / BUCKET_MS); index <= last; index++) {
      const bucket = this.bucket(index);
      for (let i = 0; i < bucket.at.length; i++) {
        const at = bucket.at[i] as number;
        if (at > until) return null;
        if (at > after)
          return { at, before: bucket.offsets[i] as number, after: bucket.offsets[i + 1] as number };
      }
    }
    return null;
  }

  /** The last transition with `since <= at <= atOrBefore`, or null. */
  transitionAtOrBefore(atOrBefore: number, since: number): ZoneTransition | null {
    if (this.formatter === null) return null;
    const first = Math.floor(since / BUCKET_MS);
    for (let index = Math.floor(atOrBefore / BUCKET_MS); index >= first; index--) {
      const bucket = this.bucket(index);
      for (let i = bucket.at.length - 1; i >= 0; i--) {
        const at = bucket.at[i] as number;
        if (at < since) return null;
        if (at <= atOrBefore)
          return { at, before: bucket.offsets[i] as number, after: bucket.offsets[i + 1] as number };
      }
    }
    return null;
  }

  private bucket(index: number): Bucket {
    if (index === this.lastIndex) return this.lastBucket;
    let bucket = this.buckets.get(index);
    if (bucket === undefined) {
      bucket = this.discover(index * BUCKET_MS, (index + 1) * BUCKET_MS);
      this.buckets.set(index, bucket);
    }
    this.lastIndex = index;
    this.lastBucket = bucket;
    return bucket;
  }

  private discover(start: number, end: number): Bucket {
    const at: number[] = [];
    const offsets = [this.sample(start)];
    let lo = start;
    let loOffset = offsets[0] as number;
    while (lo < end) {
      const hi = Math.min(lo + SAMPLE_MS, end);
      const hiOffset = this.sample(hi);
      // Several changes may hide between two samples; find each, earliest first.
      while (hiOffset !== loOffset) {
        const change = this.findChange(lo, hi, loOffset);
        if (change >= end) break;
        loOffset = this.sample(change);
        at.push(change);
        offsets.push(loOffset);
        lo = change;
      }
      lo = hi;
      loOffset = hiOffset;
    }
    return { at, offsets };
  }

  /** The first whole second in `(lo, hi]` whose offset differs from `loOffset`; `hi` must differ. */
  private findChange(lo: number, hi: number, loOffset: number): number {
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.sample(mid) === loOffset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  private sample(epochMs: number): number {
    const formatter = this.formatter as Intl.DateTimeFormat;
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of formatter.formatToParts(epochMs)) {
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
    // Date.UTC maps years 0-99 to 1900-1999.
    const fixed = year >= 0 && year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
    return fixed - Math.floor(epochMs / 1000) * 1000;
  }
}

const FIXED_UTC = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/UCT',
  'Etc/Zulu',
  'Etc/GMT',
  'Etc/Universal',
  'GMT',
  'UCT',
  'Zulu',
  'Universal',
]);
const rulesByName = new Map<string, ZoneRules>();

/**
 * The cached offset history of `timeZone`. Throws a `RangeError` for a name the runtime does not
 * know; public entry points validate names with `assertTimeZone` first.
 */
export function zoneRules(timeZone: string): ZoneRules {
  let rules = rulesByName.get(timeZone);
  if (rules === undefined) {
    rules = new ZoneRules(timeZone, FIXED_UTC.has(timeZone) ? null : zoneFormatter(timeZone));
    rulesByName.set(timeZone, rules);
  }
  return rules;
}

/** The `Intl` formatter whose fields `ZoneRules` reads offsets from. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
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
}

/**
 * The zone the process runs in (`TZ` or the system setting), named as `Intl` names it. A process in
 * UTC (most servers and containers) is recognised without `Intl`: the first `Intl.DateTimeFormat`
 * of a process loads ICU's zone data, about 9 MiB of memory that a scheduler in UTC never needs.
 */
export function systemTimeZone(): string {
  // Kept per value of `TZ`, which a process may change while it runs (a trigger made without a
  // zone asks on every construction).
  const tz = process.env.TZ;
  if (systemZone === null || systemZone.tz !== tz) systemZone = { tz, zone: findSystemTimeZone(tz) };
  return systemZone.zone;
}

let systemZone: { tz: string | undefined; zone: string } | null = null;

function findSystemTimeZone(tz: string | undefined): string {
  if (tz === undefined ? systemLinkIsUtc() : FIXED_UTC.has(tz.startsWith(':') ? tz.slice(1) : tz)) {
    return 'UTC';
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether `/etc/localtime` (the zone when `TZ` is unset) links to a UTC zone file. */
function systemLinkIsUtc(): boolean {
  try {
    const target = readlinkSync('/etc/localtime');
    const index = target.lastIndexOf('zoneinfo/');
    return index >= 0 && FIXED_UTC.has(target.slice(index + 'zoneinfo/'.length));
  } catch {
    return false; // not a link, or no such file: let Intl decide
  }
}

/** True when `timeZone` is an IANA name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    zoneRules(timeZone);
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

/** The zone's UTC offset in milliseconds at `epochMs` (positive east of Greenwich). */
export function offsetAt(timeZone: string, epochMs: number): number {
  return zoneRules(timeZone).offsetAt(epochMs);
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

/** No zone's offset is 26 hours from UTC or more, and no change moves a clock by more than a day. */
const WINDOW_MS = 26 * 3_600_000;

/**
 * The instant of a wall-clock time given as UTC-style milliseconds (`Date.UTC(y, m - 1, d, ...)`),
 * read as RFC 5545 and Temporal's `'compatible'` disambiguation do: a time that occurs twice
 * resolves to its first occurrence, and a time in a spring-forward gap uses the offset from before
 * the gap, so it moves forward by the gap's length.
 */
export function wallToInstant(rules: ZoneRules, wallMs: number): number {
  if (rules.isFixed) return wallMs;
  let periodStart = wallMs - WINDOW_MS;
  let offset = rules.offsetAt(periodStart);
  const until = wallMs + WINDOW_MS;
  let gap: ZoneTransition | null = null;
  for (;;) {
    const next = rules.transitionAfter(periodStart, until);
    const candidate = wallMs - offset;
    if (candidate >= periodStart && (next === null || candidate < next.at)) return candidate;
    if (next === null) break;
    if (next.after > next.before && wallMs >= next.at + next.before && wallMs < next.at + next.after)
      gap = next;
    periodStart = next.at;
    offset = next.after;
  }
  if (gap !== null) return wallMs - gap.before;
  return wallMs - rules.offsetAt(wallMs);
}

/** The instant of wall-clock fields in `timeZone`, disambiguated as `wallToInstant` describes. */
export function fromWallTime(timeZone: string, wall: WallTime): number {
  const utc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  const wallMs = wall.year >= 0 && wall.year < 100 ? new Date(utc).setUTCFullYear(wall.year) : utc;
  return wallToInstant(zoneRules(timeZone), wallMs);
}
