import { ZoneRules, zoneFormatter } from '../../../src/time/zone.js';
import type { Trigger } from '../../../src/triggers/trigger.js';

/**
 * Wall time with its offset, read with `Intl` directly (not through Horae's zone cache), so tests
 * check Horae's zone arithmetic against an independent source: `2024-03-31 03:30:00+02:00`.
 */
export function local(date: Date | null, timeZone: string): string | null {
  if (date === null) return null;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  const wall = Date.UTC(
    +get('year'),
    +get('month') - 1,
    +get('day'),
    +get('hour'),
    +get('minute'),
    +get('second'),
  );
  const offset = Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const mm = String(Math.abs(offset) % 60).padStart(2, '0');
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}${sign}${hh}:${mm}`;
}

/** The first `count` fire times from `start` (as `now`), each after the previous one. */
export function fireTimes(trigger: Trigger, start: Date | string, count: number): Date[] {
  const now = typeof start === 'string' ? new Date(start) : start;
  const times: Date[] = [];
  let previous: Date | null = null;
  while (times.length < count) {
    const next = trigger.getNextFireTime(previous, now);
    if (next === null) break;
    times.push(next);
    previous = next;
  }
  return times;
}

/** Fire times from `start` (as `now`) up to and including `end`. */
export function fireTimesUntil(
  trigger: Trigger,
  start: Date | string,
  end: Date | string,
  limit = 100_000,
): Date[] {
  const endMs = new Date(end).getTime();
  const times: Date[] = [];
  let previous: Date | null = null;
  const now = new Date(start);
  while (times.length < limit) {
    const next = trigger.getNextFireTime(previous, now);
    if (next === null || next.getTime() > endMs) break;
    times.push(next);
    previous = next;
  }
  return times;
}

/** Fire times as local strings in `timeZone`. */
export function localTimes(
  trigger: Trigger,
  start: Date | string,
  count: number,
  timeZone: string,
): (string | null)[] {
  return fireTimes(trigger, start, count).map((date) => local(date, timeZone));
}

export const iso = (dates: Date[]): string[] => dates.map((date) => date.toISOString());

/** Fresh, uncached rules for `timeZone` that count how often they ask `Intl` for an offset. */
export function countingRules(timeZone: string): { rules: ZoneRules; calls: () => number } {
  const formatter = zoneFormatter(timeZone);
  const formatToParts = formatter.formatToParts.bind(formatter);
  let calls = 0;
  formatter.formatToParts = (date) => {
    calls++;
    return formatToParts(date);
  };
  return { rules: new ZoneRules(timeZone, formatter), calls: () => calls };
}
