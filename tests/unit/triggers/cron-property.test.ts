import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronTrigger, type CronTriggerOptions } from '../../../src/triggers/cron-trigger.js';
import { T0 } from '../../helpers/time.js';
import { bruteForce, referenceCron, wallOf, type ReferenceCron } from './cron-reference.js';
import { fireTimesUntil } from './helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DST_ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Chatham',
  'Australia/Sydney',
];

/** The zone's UTC offset at `t`, from Intl alone (not from the engine under test). */
function offsetAt(t: number, timeZone: string): number {
  const w = wallOf(t, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000;
}

/** Offset transitions found with Intl alone: a daily scan, refined to the minute. */
function transitions(timeZone: string, fromYear: number, toYear: number): number[] {
  const offset = (t: number) => offsetAt(t, timeZone);
  const found: number[] = [];
  let t = Date.UTC(fromYear, 0, 1);
  let before = offset(t);
  for (; t < Date.UTC(toYear, 0, 1); t += DAY) {
    const after = offset(t + DAY);
    if (after !== before) {
      let lo = t;
      let hi = t + DAY;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offset(mid) === before) lo = mid;
        else hi = mid;
      }
      found.push(hi);
    }
    before = after;
  }
  return found;
}

function compare(cron: ReferenceCron, timeZone: string, start: number, span: number, stepMs: number): void {
  const trigger = new CronTrigger({ ...cron.options, timezone: timeZone });
  const end = start + span;
  const expected = bruteForce(cron, timeZone, start, end, stepMs).map((t) => new Date(t).toISOString());
  const actual = fireTimesUntil(trigger, new Date(start), new Date(end)).map((d) => d.toISOString());
  expect(actual, `${trigger} in ${timeZone} from ${new Date(start).toISOString()}`).toEqual(expected);
}

const minuteStart = (min: number, max: number) =>
  fc.integer({ min: min / 60_000, max: max / 60_000 }).map((m) => m * 60_000);

describe('CronTrigger against a brute-force reference', () => {
  it('matches minute by minute in UTC', () => {
    fc.assert(
      fc.property(
        referenceCron({ seconds: false }),
        minuteStart(Date.UTC(1990, 0, 1), Date.UTC(2090, 0, 1)),
        (cron, start) => compare(cron, 'UTC', start, 3 * DAY, 60_000),
      ),
      { numRuns: 150 },
    );
  });

  it('matches second by second in UTC for expressions with seconds', () => {
    fc.assert(
      fc.property(
        referenceCron({ seconds: true }),
        minuteStart(Date.UTC(2000, 0, 1), Date.UTC(2040, 0, 1)),
        (cron, start) => compare(cron, 'UTC', start, 2 * HOUR, 1000),
      ),
      { numRuns: 60 },
    );
  });

  const around = DST_ZONES.flatMap((zone) => transitions(zone, 2023, 2027).map((at) => [zone, at] as const));
  it('matches minute by minute across DST transitions in six zones', () => {
    fc.assert(
      fc.property(
        referenceCron({ seconds: false }),
        fc.constantFrom(...around),
        // Often start close to the transition, on either side (inside a repeated hour, say).
        fc.oneof(fc.integer({ min: -150, max: 150 }), fc.integer({ min: 0, max: 36 * 60 })),
        (cron, [zone, transition], minutesBefore) =>
          compare(
            cron,
            zone,
            Math.floor(transition / 60_000) * 60_000 - minutesBefore * 60_000,
            2 * DAY,
            60_000,
          ),
      ),
      { numRuns: 150 },
    );
    // 150 two-day walks minute by minute: 8 s alone, several times that on a loaded machine.
  }, 60_000);

  it('matches around DST transitions for jobs pinned to the hours of the transition', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...around).chain(([zone, transition]) => {
          const hours = [wallOf(transition - HOUR / 2, zone).hour, wallOf(transition + HOUR / 2, zone).hour];
          return fc.tuple(
            fc.constant(zone),
            fc.constant(transition),
            referenceCron({ seconds: false, hours }),
          );
        }),
        fc.integer({ min: -120, max: 120 }),
        ([zone, transition, cron], minutesAfter) =>
          compare(cron, zone, Math.floor(transition / 60_000) * 60_000 + minutesAfter * 60_000, DAY, 60_000),
      ),
      { numRuns: 150 },
    );
  });

  it("moves an hourly run in Lord Howe's 30-minute spring gap to the half hour (found by fast-check)", () => {
    const trigger = new CronTrigger({
      day: '*/5',
      week: '6-45/33,1-2/1',
      hour: '*',
      minute: 0,
      timezone: 'Australia/Lord_Howe',
    });
    const times: string[] = [];
    let previous: Date | null = new Date('2051-09-30T14:00:00Z');
    for (let i = 0; i < 3; i++) {
      previous = trigger.getNextFireTime(previous, previous as Date);
      times.push(previous?.toISOString() ?? 'none');
    }
    // 01:00 (+10:30), then 02:00, which does not exist that night (clocks go from 02:00 to 02:30):
    // read with the offset before the gap it is 15:30Z, shown as 02:30 (+11:00); then 03:00 (+11:00).
    expect(times).toEqual([
      '2051-09-30T14:30:00.000Z',
      '2051-09-30T15:30:00.000Z',
      '2051-09-30T16:00:00.000Z',
    ]);
  });
  // Fire times that strictly increase and match their fields, in any zone: the trigger suite
  // (trigger.suite.ts, run for cron in cron-trigger.test.ts).
});

describe('expressions that can never match', () => {
  const impossible: CronTriggerOptions[] = [
    { month: 2, day: 30 },
    { month: 2, day: '30-31' },
    { month: 'apr,jun,sep,nov', day: 31 },
    { day: '1-7', dayOfWeek: '2nd mon', hour: 1 },
    { day: '1-7', dayOfWeek: '5th mon' },
    { day: '29-31', dayOfWeek: '1st fri' },
    { month: 6, week: 1 },
    { month: 1, week: 20 },
    { week: 53, month: 6 },
    { day: 'last', dayOfWeek: 'fri', month: 2, year: '2030' }, // 28 Feb 2030 is a Thursday
    { day: '5th sat', month: 2, year: '2001-2003,2005-2007' },
  ];
  it.each(impossible.map((options) => [JSON.stringify(options), options] as const))(
    '%s returns null quickly in any zone',
    (_name, options) => {
      for (const timezone of ['UTC', 'Europe/Berlin', 'Pacific/Chatham']) {
        const trigger = new CronTrigger({ ...options, timezone });
        const now = new Date(T0);
        // Warm the zone cache where the search starts: learning 200 days of offsets from Intl takes
        // longer than the search itself on a busy machine, and is not what this test times.
        trigger.getNextFireTime(null, now);
        const began = performance.now();
        expect(trigger.getNextFireTime(null, now)).toBeNull();
        // A bounded search takes milliseconds; an unbounded one would run for seconds or forever.
        expect(performance.now() - began).toBeLessThan(1000);
      }
    },
  );

  it('random impossible day/month pairs return null quickly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([2, 30], [2, 31], [4, 31], [6, 31], [9, 31], [11, 31]),
        fc.integer({ min: 0, max: 23 }),
        ([month, day], hour) => {
          const trigger = new CronTrigger({
            month,
            day,
            hour,
            timezone: 'America/New_York',
          });
          const began = performance.now();
          expect(trigger.getNextFireTime(null, new Date(T0))).toBeNull();
          expect(performance.now() - began).toBeLessThan(1000);
        },
      ),
      { numRuns: 30 },
    );
  });
});
