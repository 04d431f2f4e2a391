import fc from 'fast-check';
import type { CronTriggerOptions } from '../../../src/triggers/cron-trigger.js';

/**
 * A random cron expression together with an independent matcher for it. The matcher is built from
 * the same random choices as the expression's text, with plain `Date` arithmetic, never through
 * Horae's parser or calendar code, so the two can disagree.
 */
export interface ReferenceCron {
  options: CronTriggerOptions;
  matches(wall: Wall): boolean;
  /** The hour field allows all 24 hours: a repeated wall time then fires in both real hours. */
  everyHour: boolean;
}

export interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

interface Part {
  text: string;
  has(value: number): boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function stepped(first: number, last: number, step: number): Set<number> {
  const values = new Set<number>();
  for (let v = first; v <= last; v += step) values.add(v);
  return values;
}

const fromSet = (text: string, values: Set<number>): Part => ({ text, has: (v) => values.has(v) });

/** One comma-free item: a, a-b, a-b/n, a/n. */
function item(min: number, max: number, name?: (v: number) => string): fc.Arbitrary<Part> {
  const show = (v: number, useName: boolean) => (useName && name ? name(v) : String(v));
  return fc.oneof(
    fc.tuple(fc.integer({ min, max }), fc.boolean()).map(([a, n]) => fromSet(show(a, n), new Set([a]))),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.boolean())
      .map(([a, b, n]) => [Math.min(a, b), Math.max(a, b), n] as const)
      .map(([a, b, n]) => fromSet(`${show(a, n)}-${show(b, n)}`, stepped(a, b, 1))),
    fc.tuple(fc.integer({ min, max: max - 1 }), fc.integer({ min: 1, max: max - min })).chain(([a, span]) => {
      const b = Math.min(max, a + span);
      return fc
        .integer({ min: 1, max: b - a })
        .map((step) => fromSet(`${a}-${b}/${step}`, stepped(a, b, step)));
    }),
    fc
      .integer({ min, max: max - 1 })
      .chain((a) =>
        fc.integer({ min: 1, max: max - a }).map((step) => fromSet(`${a}/${step}`, stepped(a, max, step))),
      ),
  );
}

/** `*`, `*\/n`, or a list of one to three items. */
function numeric(min: number, max: number, name?: (v: number) => string): fc.Arbitrary<Part> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(fromSet('*', stepped(min, max, 1))) },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 1, max: max - min }).map((n) => fromSet(`*/${n}`, stepped(min, max, n))),
    },
    {
      weight: 4,
      arbitrary: fc.array(item(min, max, name), { minLength: 1, maxLength: 3 }).map((parts) => ({
        text: parts.map((p) => p.text).join(','),
        has: (v: number) => parts.some((p) => p.has(v)),
      })),
    },
  );
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** ISO week: the week of the Thursday of the date's Monday-to-Sunday week. */
export function isoWeekOf(year: number, month: number, day: number): number {
  const date = Date.UTC(year, month - 1, day);
  const thursday = date + (3 - ((weekday(year, month, day) + 6) % 7)) * 86_400_000;
  const january1 = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  return Math.floor((thursday - january1) / (7 * 86_400_000)) + 1;
}

type DayPart = { text: string; has(year: number, month: number, day: number): boolean };
const ORDINALS = ['1st', '2nd', '3rd', '4th', '5th'];

const daySpecial: fc.Arbitrary<DayPart> = fc.oneof(
  fc.constant<DayPart>({ text: 'last', has: (y, m, d) => d === daysInMonth(y, m) }),
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 })).map(([n, wd]): DayPart => ({
    text: `${ORDINALS[n - 1]} ${WEEKDAYS[wd]}`,
    has: (y, m, d) => weekday(y, m, d) === wd && Math.ceil(d / 7) === n,
  })),
  fc.integer({ min: 0, max: 6 }).map((wd): DayPart => ({
    text: `last ${WEEKDAYS[wd]}`,
    has: (y, m, d) => weekday(y, m, d) === wd && d + 7 > daysInMonth(y, m),
  })),
);

const dayField: fc.Arbitrary<DayPart> = fc.oneof(
  {
    weight: 4,
    arbitrary: numeric(1, 31).map((p): DayPart => ({ text: p.text, has: (_y, _m, d) => p.has(d) })),
  },
  { weight: 1, arbitrary: daySpecial },
  {
    weight: 1,
    arbitrary: fc.tuple(daySpecial, item(1, 31)).map(([a, b]): DayPart => ({
      text: `${a.text},${b.text}`,
      has: (y, m, d) => a.has(y, m, d) || b.has(d),
    })),
  },
);

/** Weekdays 0-6, with 7 sometimes standing for Sunday. */
const weekdayField: fc.Arbitrary<Part> = fc.oneof(
  // Sunday is never named inside a range here, where `sun` would end it as 7.
  { weight: 4, arbitrary: numeric(0, 6, (v) => (v === 0 ? '0' : (WEEKDAYS[v] as string))) },
  { weight: 1, arbitrary: fc.constant(fromSet('7', new Set([0]))) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 6 })
      .map((a) => fromSet(`${WEEKDAYS[a]}-sun`, new Set([...stepped(a, 6, 1), 0]))),
  },
);

/**
 * Which fields to give; coarse ones are often left out so that matches come often. `hours` forces
 * the hour field to those hours (to aim at a DST transition).
 */
export function referenceCron(options: { seconds: boolean; hours?: number[] }): fc.Arbitrary<ReferenceCron> {
  const forced =
    options.hours === undefined
      ? undefined
      : fromSet([...new Set(options.hours)].join(','), new Set(options.hours));
  const maybe = <T>(arbitrary: fc.Arbitrary<T>, weight: number) =>
    fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arbitrary });
  return fc
    .record({
      month: maybe(
        numeric(1, 12, (v) => MONTHS[v - 1] as string),
        5,
      ),
      day: maybe(dayField, 3),
      week: maybe(numeric(1, 53), 8),
      dayOfWeek: maybe(weekdayField, 2),
      hour: forced === undefined ? maybe(numeric(0, 23), 1) : fc.constant(forced),
      minute: numeric(0, 59),
      second: options.seconds ? numeric(0, 59) : fc.constant(undefined),
    })
    .map((fields) => {
      const cronOptions: CronTriggerOptions = {};
      for (const [key, part] of Object.entries(fields)) {
        if (part !== undefined) (cronOptions as Record<string, string>)[key] = part.text;
      }
      const everyHour =
        fields.hour === undefined || Array.from({ length: 24 }, (_, h) => fields.hour?.has(h)).every(Boolean);
      return {
        options: cronOptions,
        everyHour,
        matches: (w: Wall) =>
          (fields.month?.has(w.month) ?? true) &&
          (fields.day?.has(w.year, w.month, w.day) ?? true) &&
          (fields.week?.has(isoWeekOf(w.year, w.month, w.day)) ?? true) &&
          (fields.dayOfWeek?.has(weekday(w.year, w.month, w.day)) ?? true) &&
          (fields.hour?.has(w.hour) ?? true) &&
          fields.minute.has(w.minute) &&
          (fields.second?.has(w.second) ?? w.second === 0),
      };
    });
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of an instant, straight from `Intl`. */
export function wallOf(epochMs: number, timeZone: string): Wall {
  if (timeZone === 'UTC') {
    const d = new Date(epochMs);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
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
    });
    formatters.set(timeZone, formatter);
  }
  const wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(epochMs)) {
    if (part.type in wall) wall[part.type as keyof Wall] = Number(part.value);
  }
  return wall;
}

const wallMs = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
const wallFromMs = (ms: number): Wall => wallOf(ms, 'UTC');

/**
 * The fire times in `[start, end]` by brute force, stepping `stepMs` (60 s, or 1 s for expressions
 * with seconds) through real time under SPEC section 3's DST rules: a matching wall time fires at
 * each real instant that shows it, only the first of two unless every hour is allowed, and a
 * matching wall time skipped by a gap fires at that wall time read with the offset before the gap.
 */
export function bruteForce(
  cron: ReferenceCron,
  timeZone: string,
  start: number,
  end: number,
  stepMs: number,
): number[] {
  const fires = new Set<number>();
  const seen = new Set<number>();
  let previous: { t: number; wall: number } | null = null;
  // Begin a few hours early to know which wall times have already occurred.
  for (let t = start - 4 * 3_600_000; t <= end; t += stepMs) {
    const wall = wallMs(wallOf(t, timeZone));
    const repeated = seen.has(wall);
    seen.add(wall);
    if (t >= start && cron.matches(wallFromMs(wall)) && (cron.everyHour || !repeated)) fires.add(t);
    if (previous !== null && wall - previous.wall > stepMs) {
      const offsetBefore = previous.wall - previous.t;
      for (let skipped = previous.wall + stepMs; skipped < wall; skipped += stepMs) {
        const instant = skipped - offsetBefore;
        if (instant >= start && instant <= end && cron.matches(wallFromMs(skipped))) fires.add(instant);
      }
    }
    previous = { t, wall };
  }
  return [...fires].sort((a, b) => a - b);
}
