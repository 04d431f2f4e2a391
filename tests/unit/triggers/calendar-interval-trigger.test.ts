import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CalendarIntervalTrigger,
  type CalendarIntervalTriggerOptions,
} from '../../../src/triggers/calendar-interval-trigger.js';
import { fireTimes, iso } from './helpers.js';
import { calendarIntervalCase } from './trigger-cases.js';
import { runTriggerSuite } from './trigger.suite.js';

runTriggerSuite(calendarIntervalCase);

const utc = (options: CalendarIntervalTriggerOptions) =>
  new CalendarIntervalTrigger({ timezone: 'UTC', ...options });
const next = (options: CalendarIntervalTriggerOptions, start: string, count: number) =>
  iso(fireTimes(utc(options), start, count)).map((s) => s.replace('.000Z', 'Z'));

/**
 * APScheduler 4's calendar stepping, written with `Date`: add months and years to the year/month
 * (skipping months without the day), then add weeks and days.
 */
function referenceChain(
  options: Required<Pick<CalendarIntervalTriggerOptions, 'years' | 'months' | 'weeks' | 'days'>>,
  first: Date,
  count: number,
): string[] {
  const out: string[] = [];
  let date = first;
  for (let i = 0; i < count; i++) {
    out.push(date.toISOString().replace('.000Z', 'Z'));
    let month = date.getUTCMonth() + 12 * date.getUTCFullYear();
    let candidate: Date;
    do {
      month += options.years * 12 + options.months;
      candidate = new Date(
        Date.UTC(
          Math.floor(month / 12),
          month % 12,
          date.getUTCDate(),
          date.getUTCHours(),
          date.getUTCMinutes(),
          date.getUTCSeconds(),
        ),
      );
    } while (options.years * 12 + options.months > 0 && candidate.getUTCDate() !== date.getUTCDate());
    date = new Date(candidate.getTime() + (options.weeks * 7 + options.days) * 86_400_000);
  }
  return out;
}

describe('CalendarIntervalTrigger', () => {
  it('skips dates that do not exist instead of clamping them', () => {
    expect(next({ months: 1, hour: 9, startDate: '2024-01-31' }, '2024-01-01T00:00:00Z', 6)).toEqual([
      '2024-01-31T09:00:00Z',
      '2024-03-31T09:00:00Z',
      '2024-05-31T09:00:00Z',
      '2024-07-31T09:00:00Z',
      '2024-08-31T09:00:00Z',
      '2024-10-31T09:00:00Z',
    ]);
    expect(next({ years: 1, startDate: '2024-02-29' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-02-29T00:00:00Z',
      '2028-02-29T00:00:00Z',
      '2032-02-29T00:00:00Z',
    ]);
    expect(next({ years: 1, months: 1, startDate: '2024-01-31' }, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-31T00:00:00Z',
      '2026-03-31T00:00:00Z',
    ]);
  });

  it('adds months first, then days', () => {
    expect(next({ months: 1, days: 1, startDate: '2024-01-31' }, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-31T00:00:00Z',
      '2024-04-01T00:00:00Z',
      '2024-05-02T00:00:00Z',
      '2024-06-03T00:00:00Z',
    ]);
  });

  it('steps weeks and days at a fixed time of day', () => {
    expect(
      next({ weeks: 2, hour: 9, minute: 30, second: 15, startDate: '2024-01-01' }, '2024-01-01T00:00:00Z', 3),
    ).toEqual(['2024-01-01T09:30:15Z', '2024-01-15T09:30:15Z', '2024-01-29T09:30:15Z']);
    expect(next({ days: 3, startDate: '2024-02-27' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-02-27T00:00:00Z',
      '2024-03-01T00:00:00Z',
      '2024-03-04T00:00:00Z',
    ]);
  });

  it('never fires before startDate, and stops after endDate (inclusive)', () => {
    expect(next({ days: 1, hour: 9, startDate: '2024-01-01 10:00' }, '2023-01-01T00:00:00Z', 1)).toEqual([
      '2024-01-02T09:00:00Z',
    ]);
    expect(
      next({ days: 1, startDate: '2024-01-01', endDate: '2024-01-03' }, '2023-01-01T00:00:00Z', 10),
    ).toEqual(['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z']);
  });

  it('without a startDate, starts from the date of now', () => {
    expect(next({ days: 1, hour: 9 }, '2024-01-01T08:00:00Z', 2)).toEqual([
      '2024-01-01T09:00:00Z',
      '2024-01-02T09:00:00Z',
    ]);
    expect(next({ months: 1, hour: 9 }, '2024-01-31T10:00:00Z', 2)).toEqual([
      '2024-03-31T09:00:00Z',
      '2024-05-31T09:00:00Z',
    ]);
  });

  it('jumps straight to now when the start date is long past', () => {
    const trigger = utc({ days: 3, hour: 6, startDate: '2000-01-01' });
    const now = new Date('2024-06-15T12:00:00Z');
    const first = trigger.getNextFireTime(null, now);
    expect(first?.toISOString()).toBe('2024-06-17T06:00:00.000Z'); // 8935 days = 2978 steps of 3 after 2000-01-01
    const monthly = utc({ months: 5, startDate: '2001-01-31' });
    // May 2024 is 280 months after January 2001; the next step is October.
    expect(monthly.getNextFireTime(null, now)?.toISOString()).toBe('2024-10-31T00:00:00.000Z');
  });

  it('finds the next run after any instant, not only after its own runs', () => {
    const trigger = utc({ weeks: 1, hour: 12, startDate: '2024-01-03' });
    expect(trigger.getNextFireTime(new Date('2024-01-12T00:00:00Z'), new Date(0))?.toISOString()).toBe(
      '2024-01-17T12:00:00.000Z',
    );
    expect(trigger.getNextFireTime(new Date('2024-01-17T11:59:59Z'), new Date(0))?.toISOString()).toBe(
      '2024-01-17T12:00:00.000Z',
    );
  });

  it('agrees with a Date-based reference of the stepping rules', () => {
    fc.assert(
      fc.property(
        fc.record({
          years: fc.integer({ min: 0, max: 2 }),
          months: fc.integer({ min: 0, max: 14 }),
          weeks: fc.integer({ min: 0, max: 3 }),
          days: fc.integer({ min: 0, max: 40 }),
        }),
        fc.date({ min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 23 }),
        (steps, startDay, hour) => {
          fc.pre(steps.years + steps.months + steps.weeks + steps.days > 0);
          const day = startDay.toISOString().slice(0, 10);
          const trigger = utc({ ...steps, hour, startDate: day });
          const first = new Date(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
          const actual = iso(fireTimes(trigger, new Date(`${day}T00:00:00Z`), 12)).map((s) =>
            s.replace('.000Z', 'Z'),
          );
          expect(actual).toEqual(referenceChain(steps, first, 12));
        },
      ),
      { numRuns: 300 },
    );
  });

  // The JSON round trip of every trigger is in the trigger suite (trigger.suite.ts).
  it('prints, and writes its steps and time of day to JSON', () => {
    const trigger = new CalendarIntervalTrigger({
      months: 2,
      days: 1,
      hour: 7,
      minute: 5,
      startDate: '2024-01-31',
      endDate: '2030-01-01',
      timezone: 'Europe/Berlin',
      jitter: 10,
    });
    expect(trigger.toString()).toBe(
      'calendarinterval[months=2, days=1, time=07:05:00, start=2024-01-31 00:00:00 Europe/Berlin, end=2030-01-01 00:00:00 Europe/Berlin, jitter=10s]',
    );
    const json = JSON.parse(JSON.stringify(trigger.toJSON()));
    expect(json).toMatchObject({
      type: 'calendarinterval',
      version: 1,
      months: 2,
      days: 1,
      hour: 7,
      minute: 5,
    });
  });
});
