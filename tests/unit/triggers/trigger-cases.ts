// The trigger types as the trigger suite (trigger.suite.ts) runs them: for each, an arbitrary of
// valid options in the forms users give them, and how to make the trigger. AndTrigger and
// OrTrigger are built from the other cases' options, so their parts vary as much.
import fc from 'fast-check';
import { AndTrigger } from '../../../src/triggers/and-trigger.js';
import {
  CalendarIntervalTrigger,
  type CalendarIntervalTriggerOptions,
} from '../../../src/triggers/calendar-interval-trigger.js';
import { CronTrigger } from '../../../src/triggers/cron-trigger.js';
import { DateTrigger, type DateTriggerOptions } from '../../../src/triggers/date-trigger.js';
import { IntervalTrigger, type IntervalTriggerOptions } from '../../../src/triggers/interval-trigger.js';
import { OrTrigger } from '../../../src/triggers/or-trigger.js';
import type { Trigger } from '../../../src/triggers/trigger.js';
import type { WindowOptions } from '../../../src/triggers/window.js';
import { zoneRules } from '../../../src/time/zone.js';
import { T0 } from '../../helpers/time.js';
import { referenceCron, wallOf, type ReferenceCron, type Wall } from './cron-reference.js';
import { DAY, TESTS, YEAR, type TriggerCase } from './trigger.suite.js';

/**
 * Zones with one-hour, half-hour and midnight DST changes, none, a negative one (Casablanca), and
 * one that gave up DST in 2019 (Sao Paulo).
 */
export const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Chatham',
  'Africa/Casablanca',
  'Asia/Kolkata',
  'America/Sao_Paulo',
];

const zone = fc.constantFrom(...ZONES);

/**
 * Wall times that a zone skips within two years of T0 (02:00-02:59 on the day Berlin moves to
 * summer time), as UTC-style milliseconds, so that triggers meant for them meet the DST rule; null
 * for a zone without.
 */
function skippedWall(timeZone: string): fc.Arbitrary<number> | null {
  const gaps: { start: number; minutes: number }[] = [];
  const rules = zoneRules(timeZone);
  for (let change = rules.transitionAfter(T0 - 2 * YEAR, T0 + 2 * YEAR); change !== null;) {
    if (change.after > change.before) {
      gaps.push({ start: change.at + change.before, minutes: (change.after - change.before) / 60_000 });
    }
    change = rules.transitionAfter(change.at, T0 + 2 * YEAR);
  }
  if (gaps.length === 0) return null;
  return fc
    .constantFrom(...gaps)
    .chain(({ start, minutes }) => fc.integer({ min: 0, max: minutes - 1 }).map((m) => start + m * 60_000));
}

/** A time of day that the zone skips on some day (any, for a zone that skips none). */
function skippedTime(timeZone: string): fc.Arbitrary<{ hour: number; minute: number }> {
  const wall = skippedWall(timeZone) ?? fc.integer({ min: 0, max: DAY - 1 });
  return wall.map((ms) => ({ hour: new Date(ms).getUTCHours(), minute: new Date(ms).getUTCMinutes() }));
}
/** Whole seconds within two years of T0. */
const instant = fc.integer({ min: (T0 - 2 * YEAR) / 1000, max: (T0 + 2 * YEAR) / 1000 }).map((s) => s * 1000);
const jitter = fc.option(
  fc.oneof(fc.integer({ min: 0, max: 30 }), fc.double({ min: 0.001, max: 5, noNaN: true })),
  { nil: undefined },
);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** `YYYY-MM-DD HH:MM:SS` */
const formatWall = (w: Wall) =>
  `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
/** The wall time of `ms` in `zone`, naive. */
const naive = (ms: number, timeZone: string) => formatWall(wallOf(ms, timeZone));

type DateForm = 'date' | 'ms' | 'iso' | 'naive';
const dateForm = fc.constantFrom<DateForm>('date', 'ms', 'iso', 'naive');
/** An instant as a user may give it: a Date, epoch ms, an ISO string, or a naive wall time in `zone`. */
function dateInput(ms: number, form: DateForm, timeZone: string): Date | number | string {
  if (form === 'date') return new Date(ms);
  if (form === 'ms') return ms;
  if (form === 'iso') return new Date(ms).toISOString();
  return naive(ms, timeZone);
}

type Window = WindowOptions & { timezone: string };

/**
 * A zone, perhaps a start date, an end date and jitter. Only the start is ever naive: a naive end
 * in a repeated hour could read before the start.
 */
function windowOptions(options: { startRequired?: boolean; timezone?: string } = {}): fc.Arbitrary<Window> {
  const start = options.startRequired ? instant : fc.option(instant, { nil: undefined });
  return fc
    .record({
      timezone: options.timezone === undefined ? zone : fc.constant(options.timezone),
      start,
      end: fc.option(fc.integer({ min: 0, max: YEAR / 1000 }), { nil: undefined }),
      startForm: dateForm,
      endForm: fc.constantFrom<DateForm>('date', 'ms', 'iso'),
      jitter,
    })
    .map(({ timezone, start, end, startForm, endForm, jitter }) => {
      const window: Window = { timezone };
      if (start !== undefined) window.startDate = dateInput(start, startForm, timezone);
      if (end !== undefined) window.endDate = dateInput((start ?? T0) + end * 1000, endForm, timezone);
      if (jitter !== undefined) window.jitter = jitter;
      return window;
    });
}

export const dateCase: TriggerCase<DateTriggerOptions & { timezone: string }> = {
  name: 'date',
  options: zone.chain((timezone) => {
    const given = fc.tuple(instant, dateForm).map(([ms, form]) => dateInput(ms, form, timezone));
    const skipped = skippedWall(timezone);
    // Often a naive wall time that the zone skips, which the DST rule moves forward.
    const runDate =
      skipped === null
        ? given
        : fc.oneof(
            given,
            skipped.map((wall) => formatWall(wallOf(wall, 'UTC'))),
          );
    return runDate.map((value) => ({ runDate: value, timezone }));
  }),
  make: (options) => new DateTrigger(options),
  // A naive run date is a wall time in the zone; any other form is an instant.
  wallTimes: ({ runDate, timezone }) => ({
    zone: timezone,
    matches: (wall) => typeof runDate !== 'string' || runDate.endsWith('Z') || runDate === formatWall(wall),
  }),
  skip: [
    {
      reason:
        'a date trigger returns its run date even when it has passed, so the scheduler can report it missed',
      tests: [TESTS.notBeforeNow],
    },
    { reason: 'a date trigger has no jitter', tests: [TESTS.jitter] },
  ],
};

/** Interval lengths from a millisecond to weeks; `wholeSeconds` leaves out the milliseconds. */
function intervalLength(wholeSeconds: boolean) {
  return fc
    .record(
      {
        weeks: fc.integer({ min: 0, max: 2 }),
        days: fc.integer({ min: 0, max: 3 }),
        hours: fc.integer({ min: 0, max: 30 }),
        minutes: fc.integer({ min: 0, max: 90 }),
        seconds: fc.integer({ min: 0, max: 600 }),
        milliseconds: wholeSeconds ? fc.constant(0) : fc.integer({ min: 0, max: 5000 }),
      },
      { requiredKeys: [] },
    )
    .map((units) => {
      const total = Object.values(units).reduce((sum, value) => sum + (value ?? 0), 0);
      return total > 0 ? units : { ...units, seconds: 1 };
    });
}

const intervalOptions = (grid: boolean): fc.Arbitrary<IntervalTriggerOptions> =>
  fc
    .tuple(intervalLength(grid), windowOptions({ startRequired: grid }))
    .map(([length, window]) => ({ ...length, ...window }));

const ELAPSED = 'an interval counts elapsed time; its wall times follow from its start date';

export const intervalCase: TriggerCase<IntervalTriggerOptions> = {
  name: 'interval',
  options: intervalOptions(false),
  make: (options) => new IntervalTrigger(options),
  skip: [{ reason: ELAPSED, tests: [TESTS.wallTimes] }],
};

interface CronCaseOptions {
  cron: ReferenceCron;
  /** The years it fires in, `first-last`, or every year. */
  years?: [number, number];
  window: Window;
}

const T0_YEAR = new Date(T0).getUTCFullYear();
const cronOptions = zone.chain((timezone) =>
  fc.record(
    {
      cron: fc.oneof(
        fc.boolean().chain((seconds) => referenceCron({ seconds })),
        // Often pinned to an hour the zone skips, to meet the DST rule.
        skippedTime(timezone).chain(({ hour }) => referenceCron({ seconds: false, hours: [hour] })),
      ),
      years: fc
        .tuple(fc.integer({ min: T0_YEAR - 3, max: T0_YEAR + 3 }), fc.integer({ min: 0, max: 3 }))
        .map(([first, more]): [number, number] => [first, first + more]),
      window: windowOptions({ timezone }),
    },
    { requiredKeys: ['cron', 'window'] },
  ),
);
const yearText = (years: [number, number] | undefined) =>
  years === undefined ? undefined : `${years[0]}-${years[1]}`;
const cronWallTimes = ({ cron, years, window }: CronCaseOptions) => ({
  zone: window.timezone,
  matches: (wall: Wall) =>
    cron.matches(wall) && (years === undefined || (wall.year >= years[0] && wall.year <= years[1])),
});

export const cronCase: TriggerCase<CronCaseOptions> = {
  name: 'cron',
  options: cronOptions,
  make: ({ cron, years, window }) => new CronTrigger({ ...cron.options, year: yearText(years), ...window }),
  wallTimes: cronWallTimes,
};

interface CrontabCaseOptions extends CronCaseOptions {
  expression: string;
  domAndDow: boolean;
}

/**
 * Crontab lines made from the reference's fields, so the reference matches them: no `last` or
 * `3rd wed` (crontab writes those otherwise), no week, and never both day fields restricted (which
 * a crontab ORs, unless `domAndDow`).
 */
export const crontabCase: TriggerCase<CrontabCaseOptions> = {
  name: 'cron (crontab)',
  options: fc
    .tuple(cronOptions, fc.boolean())
    .map(([options, domAndDow]) => ({ ...options, domAndDow }))
    .filter(({ cron: { options } }) => {
      const restricted = (field: unknown) => field !== undefined && !String(field).startsWith('*');
      return (
        options.week === undefined &&
        !/[a-z]/.test(String(options.day ?? '')) &&
        !(restricted(options.day) && restricted(options.dayOfWeek))
      );
    })
    .map((options) => {
      const { second, minute, hour, day, month, dayOfWeek } = options.cron.options;
      const fields = [minute, hour ?? '*', day ?? '*', month ?? '*', dayOfWeek ?? '*'];
      // Six fields start with seconds; a year needs the seventh, so seconds too.
      if (second !== undefined || options.years !== undefined) fields.unshift(second ?? 0);
      if (options.years !== undefined) fields.push(yearText(options.years));
      return { ...options, expression: fields.join(' ') };
    }),
  make: ({ expression, window, domAndDow }) => CronTrigger.fromCrontab(expression, { ...window, domAndDow }),
  wallTimes: cronWallTimes,
};

const calendarSteps = fc.oneof(
  // Daily steps meet a DST change within a chain of fire times.
  { weight: 2, arbitrary: fc.constantFrom({ days: 1 }, { days: 1 }, { weeks: 1 }) },
  fc.record(
    {
      years: fc.integer({ min: 0, max: 2 }),
      months: fc.integer({ min: 0, max: 14 }),
      weeks: fc.integer({ min: 0, max: 3 }),
      days: fc.integer({ min: 0, max: 40 }),
    },
    { requiredKeys: [] },
  ),
);

export const calendarIntervalCase: TriggerCase<CalendarIntervalTriggerOptions & { timezone: string }> = {
  name: 'calendarinterval',
  options: zone
    .chain((timezone) =>
      fc.tuple(
        calendarSteps,
        fc.oneof(
          fc.record(
            {
              hour: fc.integer({ min: 0, max: 23 }),
              minute: fc.oneof(fc.constantFrom(0, 15, 30, 45), fc.integer({ min: 0, max: 59 })),
              second: fc.integer({ min: 0, max: 59 }),
            },
            { requiredKeys: [] },
          ),
          // Often a time the zone skips, to meet the DST rule.
          { weight: 2, arbitrary: skippedTime(timezone) },
        ),
        windowOptions({ timezone }),
      ),
    )
    .map(([steps, time, window]) => {
      const total = Object.values(steps).reduce((sum, value) => sum + (value ?? 0), 0);
      return { ...(total > 0 ? steps : { days: 1 }), ...time, ...window };
    }),
  make: (options) => new CalendarIntervalTrigger(options),
  wallTimes: ({ hour = 0, minute = 0, second = 0, timezone }) => ({
    zone: timezone,
    matches: (wall) => wall.hour === hour && wall.minute === minute && wall.second === second,
  }),
};

/** A part of an AndTrigger or OrTrigger: which case, with what options. */
type Part =
  | { type: 'date'; options: DateTriggerOptions }
  | { type: 'interval'; options: IntervalTriggerOptions }
  | { type: 'cron'; options: CronCaseOptions }
  | { type: 'crontab'; options: CrontabCaseOptions }
  | { type: 'calendarinterval'; options: CalendarIntervalTriggerOptions }
  | { type: 'and'; options: CombiningOptions };

interface CombiningOptions {
  parts: Part[];
  jitter?: number;
}

function makePart(part: Part): Trigger {
  switch (part.type) {
    case 'date':
      return new DateTrigger(part.options);
    case 'interval':
      return new IntervalTrigger(part.options);
    case 'cron':
      return cronCase.make(part.options);
    case 'crontab':
      return crontabCase.make(part.options);
    case 'calendarinterval':
      return new CalendarIntervalTrigger(part.options);
    case 'and':
      return andCase.make(part.options);
  }
}

const part = <T extends Part['type']>(
  type: T,
  options: fc.Arbitrary<Extract<Part, { type: T }>['options']>,
) => options.map((value) => ({ type, options: value }) as Part);

/**
 * Parts that fire on whole seconds, so a part firing every second can agree with them (an
 * interval with a grid of whole seconds, not one counted from a `now` with milliseconds).
 */
const wholeSecondPart = fc.oneof(
  part('date', dateCase.options),
  part('interval', intervalOptions(true)),
  part('cron', cronCase.options),
  part('calendarinterval', calendarIntervalCase.options),
);

/** Every second within a window: an AndTrigger with it fires at its other parts' times within that window. */
const everySecond = part(
  'interval',
  windowOptions({ startRequired: true }).map((window) => ({ ...window, seconds: 1, jitter: undefined })),
);

const COMBINED =
  "a combining trigger fires at its parts' times; each part's own suite checks their wall times";

/**
 * AndTrigger: a part, and one or two that fire every second within a window, so the parts agree
 * (parts that never agree make AndTrigger throw, which combining.test.ts checks).
 */
export const andCase: TriggerCase<CombiningOptions> = {
  name: 'and',
  options: fc
    .tuple(wholeSecondPart, fc.array(everySecond, { minLength: 1, maxLength: 2 }), fc.boolean(), jitter)
    .map(([base, seconds, baseFirst, jitter]) => ({
      parts: baseFirst ? [base, ...seconds] : [...seconds, base],
      ...(jitter === undefined ? {} : { jitter }),
    })),
  make: ({ parts, jitter }) =>
    new AndTrigger(parts.map(makePart), jitter === undefined ? undefined : { jitter }),
  skip: [{ reason: COMBINED, tests: [TESTS.wallTimes] }],
};

export const orCase: TriggerCase<CombiningOptions> = {
  name: 'or',
  options: fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 3, arbitrary: part('date', dateCase.options) },
          { weight: 3, arbitrary: part('interval', intervalCase.options) },
          { weight: 3, arbitrary: part('cron', cronCase.options) },
          { weight: 2, arbitrary: part('crontab', crontabCase.options) },
          { weight: 3, arbitrary: part('calendarinterval', calendarIntervalCase.options) },
          { weight: 1, arbitrary: part('and', andCase.options) },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      jitter,
    )
    .map(([parts, jitter]) => ({ parts, ...(jitter === undefined ? {} : { jitter }) })),
  make: ({ parts, jitter }) =>
    new OrTrigger(parts.map(makePart), jitter === undefined ? undefined : { jitter }),
  skip: [
    { reason: COMBINED, tests: [TESTS.wallTimes] },
    {
      reason: "a date part's run date passes through even when it has passed, as the date trigger's does",
      tests: [TESTS.notBeforeNow],
    },
  ],
};
