import { civilFromDays, daysFromCivil, MS_PER_DAY } from '../../time/civil.js';
import type { ZoneRules, ZoneTransition } from '../../time/zone.js';
import { DayRule, rangeSet, type DaySpec } from './day-rule.js';
import type { RangeItem } from './fields.js';

/** The value sets of a cron expression, in any of its two syntaxes. */
export interface ScheduleSpec {
  /** `null`: any year. */
  readonly year: readonly RangeItem[] | null;
  readonly month: readonly RangeItem[];
  readonly days: DaySpec;
  readonly hour: readonly RangeItem[];
  readonly minute: readonly RangeItem[];
  readonly second: readonly RangeItem[];
}

const MAX_YEAR = 9999;
/** Calendar, weekdays and ISO weeks repeat every 400 Gregorian years. */
const CYCLE_YEARS = 400;

/** `next[v]`: the smallest allowed value >= v, or -1. One slot past the maximum, always -1. */
function nextTable(ranges: readonly RangeItem[], size: number): Int8Array {
  const set = rangeSet(ranges, size);
  const next = new Int8Array(size + 1).fill(-1);
  for (let v = size - 1; v >= 0; v--) next[v] = set[v] === 1 ? v : (next[v + 1] as number);
  return next;
}

/**
 * A compiled cron expression. `nextWall` searches wall-clock time field by field, coarsest first,
 * carrying into the next year/month/day/hour/minute when a field has no value left (no scanning
 * minute by minute). `nextInstant` maps that onto real time in a zone, following SPEC section 3's
 * DST policy.
 */
export class CronSchedule {
  private readonly years: readonly RangeItem[] | null;
  private readonly months: Int8Array;
  private readonly dayRule: DayRule;
  private readonly hours: Int8Array;
  private readonly minutes: Int8Array;
  private readonly seconds: Int8Array;
  /**
   * True when every hour is allowed: then a repeated wall time (DST fall back) fires in both of its
   * real hours. Otherwise it fires only at its first occurrence.
   */
  readonly everyHour: boolean;
  private readonly ymd: [number, number, number] = [0, 0, 0];

  constructor(spec: ScheduleSpec) {
    this.years = spec.year;
    this.months = nextTable(spec.month, 13);
    this.dayRule = new DayRule(spec.days);
    this.hours = nextTable(spec.hour, 24);
    this.minutes = nextTable(spec.minute, 60);
    this.seconds = nextTable(spec.second, 60);
    this.everyHour = this.hours.every((next, hour) => hour === 24 || next === hour);
  }

  private nextYear(year: number): number {
    if (this.years === null) return year;
    let best = -1;
    for (const { first, last, step } of this.years) {
      if (year > last) continue;
      const value = year <= first ? first : first + Math.ceil((year - first) / step) * step;
      if (value <= last && (best < 0 || value < best)) best = value;
    }
    return best;
  }

  /**
   * The earliest wall-clock time at or after `wallMs` (rounded up to a whole second) that matches,
   * as UTC-style milliseconds; null when none exists up to year 9999.
   */
  nextWall(wallMs: number): number | null {
    let days = Math.floor(wallMs / MS_PER_DAY);
    let second = Math.ceil((wallMs - days * MS_PER_DAY) / 1000);
    if (second === 86_400) {
      days++;
      second = 0;
    }
    const ymd = civilFromDays(days, this.ymd);
    let year = ymd[0];
    let month = ymd[1];
    let day = ymd[2];
    let hour = Math.floor(second / 3600);
    let minute = Math.floor(second / 60) % 60;
    second %= 60;
    // `fresh`: the search of this year began at its first instant, so failing proves the year
    // (and, by the 400-year cycle, every year congruent to it) has no match.
    let fresh = month === 1 && day === 1 && second + minute + hour === 0;
    let failed: Uint8Array | null = null;
    for (;;) {
      const nextYear = this.nextYear(year);
      if (nextYear < 0 || nextYear > MAX_YEAR) return null;
      if (nextYear !== year) {
        year = nextYear;
        month = day = 1;
        hour = minute = second = 0;
        fresh = true;
      }
      if (fresh && failed !== null && failed[year % CYCLE_YEARS] === 1) {
        year++;
        continue;
      }
      const nextMonth = this.months[month] as number;
      if (nextMonth < 0) {
        if (fresh) (failed ??= new Uint8Array(CYCLE_YEARS))[year % CYCLE_YEARS] = 1;
        year++;
        month = day = 1;
        hour = minute = second = 0;
        fresh = true;
        continue;
      }
      if (nextMonth !== month) {
        month = nextMonth;
        day = 1;
        hour = minute = second = 0;
      }
      const days = day > 31 ? 0 : this.dayRule.mask(year, month) & (-1 << (day - 1));
      if (days === 0) {
        month++;
        day = 1;
        hour = minute = second = 0;
        continue;
      }
      const nextDay = 32 - Math.clz32(days & -days);
      if (nextDay !== day) {
        day = nextDay;
        hour = minute = second = 0;
      }
      const nextHour = this.hours[hour] as number;
      if (nextHour < 0) {
        day++;
        hour = minute = second = 0;
        continue;
      }
      if (nextHour !== hour) {
        hour = nextHour;
        minute = second = 0;
      }
      const nextMinute = this.minutes[minute] as number;
      if (nextMinute < 0) {
        hour++;
        minute = second = 0;
        continue;
      }
      if (nextMinute !== minute) {
        minute = nextMinute;
        second = 0;
      }
      const nextSecond = this.seconds[second] as number;
      if (nextSecond < 0) {
        minute++;
        second = 0;
        continue;
      }
      return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + nextSecond) * 1000;
    }
  }

  /**
   * The earliest instant at or after `from` whose wall-clock time in the zone matches, under the DST
   * policy: a matching wall time inside a spring-forward gap fires at that time read with the
   * offset before the gap; a wall time that occurs twice fires at its first occurrence only, unless
   * every hour is allowed. Works period by period between the zone's offset transitions; the
   * transitions between two matches are passed without searching again, and those far from both
   * ends are jumped over (see `relevantTransition`), so a search costs a few wall-time searches and
   * offset lookups however far ahead the next match lies.
   */
  nextInstant(zone: ZoneRules, from: number): number | null {
    if (zone.isFixed) return this.nextWall(from);
    let t = from;
    for (let guard = 0; guard < 10_000; guard++) {
      const offset = zone.offsetAt(t);
      const previous = zone.transitionAtOrBefore(t, t - 2 * MS_PER_DAY);
      let best = Infinity;
      let lo = t + offset;
      if (previous !== null) {
        const gap = previous.after - previous.before;
        if (gap > 0 && t < previous.at + gap) {
          // Wall times skipped by the gap just before t fire at their instant read with the old offset.
          const skipped = this.nextWall(t + previous.before);
          if (skipped !== null && skipped < previous.at + previous.after) best = skipped - previous.before;
        } else if (gap < 0 && !this.everyHour) {
          // Wall times repeated since the fall back fired at their first occurrence already.
          lo = Math.max(lo, previous.at + previous.before);
        }
      }
      const wall = this.nextWall(lo);
      if (wall === null) {
        if (best < Infinity) return best;
        // A later fall back may still repeat wall times below lo.
        const ahead = this.everyHour ? zone.transitionAfter(t, t + 2 * MS_PER_DAY) : null;
        if (ahead === null || ahead.after > ahead.before) return null;
        t = ahead.at;
        continue;
      }
      let transition = relevantTransition(zone, t, t, wall - offset);
      if (transition === null) return Math.min(best, wall - offset);
      if (best < Infinity) return best;
      // The match lies beyond this period. No wall time in [lo, wall) matches, so later periods can
      // be skipped as long as the wall times they cover start at or above lo.
      for (;;) {
        const repeats = transition.after < transition.before;
        const start = transition.at + (repeats && !this.everyHour ? transition.before : transition.after);
        if (start < lo || wall < start) {
          t = transition.at; // wall times below lo come round again, or `wall` is in this gap
          break;
        }
        const following = relevantTransition(zone, t, transition.at, wall - transition.after);
        if (following === null) return wall - transition.after;
        transition = following;
      }
    }
    return null;
  }
}

/**
 * No zone's offset is more than 26 hours from UTC, so a transition more than 4 days after the
 * search's start cannot bring back wall times below its lower bound, and one more than 4 days before
 * the match cannot hold the match in its gap or repeated hour: `nextInstant` passes such transitions
 * without looking at them.
 */
const NEAR_MS = 4 * MS_PER_DAY;

/**
 * The next transition in `(after, until]` that `nextInstant`, searching from `t`, must look at.
 * Between `t + NEAR_MS` and `until - NEAR_MS` only the offset reached at the end matters, so that
 * stretch is crossed in one step: the result is then a stand-in at its end that keeps the offset
 * there. The cost does not grow with the distance, and the zone's offsets are never discovered for
 * the years in between.
 */
function relevantTransition(zone: ZoneRules, t: number, after: number, until: number): ZoneTransition | null {
  if (after < t + NEAR_MS) {
    const near = zone.transitionAfter(after, Math.min(until, t + NEAR_MS));
    if (near !== null || until <= t + NEAR_MS) return near;
    after = t + NEAR_MS;
  }
  const jumpTo = until - NEAR_MS;
  if (jumpTo <= after) return zone.transitionAfter(after, until);
  const offset = zone.offsetAt(jumpTo);
  return { at: jumpTo, before: offset, after: offset };
}
