import { describe, expect, it } from 'vitest';
import { CronTrigger, type CronTriggerOptions } from '../../../src/triggers/cron-trigger.js';
import { triggerFromJSON } from '../../../src/triggers/registry.js';
import { fireTimes, iso } from './helpers.js';
import { cronCase } from './trigger-cases.js';
import { runTriggerSuite } from './trigger.suite.js';

runTriggerSuite(cronCase);

const utc = (options: CronTriggerOptions) => new CronTrigger({ timezone: 'UTC', ...options });
const next = (options: CronTriggerOptions, start: string, count = 3) =>
  iso(fireTimes(utc(options), start, count)).map((s) => s.replace('.000Z', 'Z'));

describe('CronTrigger field forms', () => {
  it('reads *, */a, a, a-b, a-b/c, a/c and lists', () => {
    expect(next({ minute: '*/20' }, '2024-01-01T00:10:00Z')).toEqual([
      '2024-01-01T00:20:00Z',
      '2024-01-01T00:40:00Z',
      '2024-01-01T01:00:00Z',
    ]);
    expect(next({ hour: '10-12', minute: 0 }, '2024-01-01T11:30:00Z')).toEqual([
      '2024-01-01T12:00:00Z',
      '2024-01-02T10:00:00Z',
      '2024-01-02T11:00:00Z',
    ]);
    expect(next({ minute: '10-50/20' }, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T00:10:00Z',
      '2024-01-01T00:30:00Z',
      '2024-01-01T00:50:00Z',
      '2024-01-01T01:10:00Z',
    ]);
    expect(next({ second: '45/5' }, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T00:00:45Z',
      '2024-01-01T00:00:50Z',
      '2024-01-01T00:00:55Z',
      '2024-01-01T00:01:45Z',
    ]);
    expect(next({ hour: '3, 1,2', minute: '*' }, '2024-01-01T02:58:00Z', 3)).toEqual([
      '2024-01-01T02:58:00Z',
      '2024-01-01T02:59:00Z',
      '2024-01-01T03:00:00Z',
    ]);
    expect(next({ second: '*/20', minute: '1' }, '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-01T00:01:00Z',
      '2024-01-01T00:01:20Z',
      '2024-01-01T00:01:40Z',
    ]);
  });

  it('accepts numbers and strings alike', () => {
    expect(next({ day: 15, hour: 9 }, '2024-01-20T00:00:00Z', 1)).toEqual(
      next({ day: '15', hour: '9' }, '2024-01-20T00:00:00Z', 1),
    );
  });

  it('reads month and weekday names, case-insensitively', () => {
    expect(next({ month: 'FEB-mar', day: 1 }, '2024-01-01T00:00:00Z')).toEqual([
      '2024-02-01T00:00:00Z',
      '2024-03-01T00:00:00Z',
      '2025-02-01T00:00:00Z',
    ]);
    expect(next({ dayOfWeek: 'sat,Sun', hour: 8 }, '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-06T08:00:00Z',
      '2024-01-07T08:00:00Z',
      '2024-01-13T08:00:00Z',
    ]);
    // Sunday ends a range as 7: fri-sun is Friday, Saturday, Sunday.
    expect(next({ dayOfWeek: 'fri-sun' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-05T00:00:00Z',
      '2024-01-06T00:00:00Z',
      '2024-01-07T00:00:00Z',
    ]);
  });

  it('numbers weekdays as cron does: 0 and 7 are Sunday, 1 is Monday', () => {
    // 2024-01-07 is a Sunday, 2024-01-01 a Monday.
    expect(next({ dayOfWeek: 0 }, '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T00:00:00Z']);
    expect(next({ dayOfWeek: 7 }, '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T00:00:00Z']);
    expect(next({ dayOfWeek: 1 }, '2024-01-02T00:00:00Z', 1)).toEqual(['2024-01-08T00:00:00Z']);
    expect(next({ dayOfWeek: '1-5' }, '2024-01-06T00:00:00Z', 1)).toEqual(['2024-01-08T00:00:00Z']);
    expect(next({ dayOfWeek: '*/2' }, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-02T00:00:00Z', // Tue
      '2024-01-04T00:00:00Z', // Thu
      '2024-01-06T00:00:00Z', // Sat
      '2024-01-07T00:00:00Z', // Sun
    ]);
  });

  it('reads last, last <weekday> and 1st-5th <weekday> in day and dayOfWeek', () => {
    expect(next({ day: 'last' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-31T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2024-03-31T00:00:00Z',
    ]);
    expect(next({ day: 'last sun' }, '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-28T00:00:00Z',
      '2024-02-25T00:00:00Z',
      '2024-03-31T00:00:00Z',
    ]);
    expect(next({ month: '1-3', day: '1st mon,last fri' }, '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-01T00:00:00Z',
      '2024-01-26T00:00:00Z',
      '2024-02-05T00:00:00Z',
    ]);
    expect(next({ dayOfWeek: '2nd tue', hour: 18 }, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-09T18:00:00Z',
      '2024-02-13T18:00:00Z',
    ]);
    expect(next({ dayOfWeek: 'last 5' }, '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-26T00:00:00Z']);
    // 5th Friday: only in months that have five.
    expect(next({ day: '5th fri' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-03-29T00:00:00Z',
      '2024-05-31T00:00:00Z',
      '2024-08-30T00:00:00Z',
    ]);
  });

  it('fills finer fields with their minimum and coarser ones with *', () => {
    expect(utc({ day: 1 }).toString()).toBe("cron[day='1']");
    expect(next({ day: 1 }, '2024-01-15T00:00:00Z', 2)).toEqual([
      '2024-02-01T00:00:00Z',
      '2024-03-01T00:00:00Z',
    ]);
    expect(next({ hour: 5 }, '2024-01-15T06:00:00Z', 2)).toEqual([
      '2024-01-16T05:00:00Z',
      '2024-01-17T05:00:00Z',
    ]);
    expect(next({ month: 6 }, '2024-01-15T06:00:00Z', 2)).toEqual([
      '2024-06-01T00:00:00Z',
      '2025-06-01T00:00:00Z',
    ]);
    // No field at all: every second, as in APScheduler.
    expect(next({}, '2024-01-01T00:00:00.500Z', 2)).toEqual(['2024-01-01T00:00:01Z', '2024-01-01T00:00:02Z']);
  });

  it('ANDs day and dayOfWeek', () => {
    // Friday the 13th.
    expect(next({ day: 13, dayOfWeek: 'fri' }, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-09-13T00:00:00Z',
      '2024-12-13T00:00:00Z',
      '2025-06-13T00:00:00Z',
    ]);
  });

  it('reads ISO weeks, including week 53 and weeks that cross a year', () => {
    // 2016-01-01 to 01-03 belong to week 53 of 2015.
    expect(next({ week: 53 }, '2016-01-01T00:00:00Z', 4)).toEqual([
      '2016-01-01T00:00:00Z',
      '2016-01-02T00:00:00Z',
      '2016-01-03T00:00:00Z',
      '2020-12-28T00:00:00Z',
    ]);
    expect(next({ week: 53, dayOfWeek: 'mon' }, '2016-01-05T00:00:00Z')).toEqual([
      '2020-12-28T00:00:00Z',
      '2026-12-28T00:00:00Z',
      '2032-12-27T00:00:00Z',
    ]);
    // 2024-12-30 and 31 are in week 1 of 2025.
    expect(next({ week: 1, year: 2024 }, '2024-12-01T00:00:00Z', 2)).toEqual([
      '2024-12-30T00:00:00Z',
      '2024-12-31T00:00:00Z',
    ]);
  });

  it('handles leap years', () => {
    expect(next({ month: 2, day: 29 }, '2013-03-01T00:00:00Z')).toEqual([
      '2016-02-29T00:00:00Z',
      '2020-02-29T00:00:00Z',
      '2024-02-29T00:00:00Z',
    ]);
    // 2100 is not a leap year; 2400 is.
    expect(next({ month: 2, day: 29 }, '2097-01-01T00:00:00Z', 2)).toEqual([
      '2104-02-29T00:00:00Z',
      '2108-02-29T00:00:00Z',
    ]);
    expect(next({ month: 2, day: 'last' }, '2023-01-01T00:00:00Z')).toEqual([
      '2023-02-28T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2025-02-28T00:00:00Z',
    ]);
  });

  it('honours startDate, endDate (inclusive) and the previous fire time', () => {
    const trigger = new CronTrigger({
      hour: 12,
      startDate: '2024-01-03 12:00:00',
      endDate: '2024-01-05 12:00:00',
      timezone: 'UTC',
    });
    expect(iso(fireTimes(trigger, '2024-01-01T00:00:00Z', 10))).toEqual([
      '2024-01-03T12:00:00.000Z',
      '2024-01-04T12:00:00.000Z',
      '2024-01-05T12:00:00.000Z',
    ]);
    // With a previous fire time, the next one is strictly after it, whatever `now` says.
    const daily = utc({ hour: 0 });
    expect(
      daily
        .getNextFireTime(new Date('2015-11-23T12:00:00Z'), new Date('2015-11-26T12:00:00Z'))
        ?.toISOString(),
    ).toBe('2015-11-24T00:00:00.000Z');
    expect(daily.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
  });

  it('returns null once exhausted and for expressions that never match', () => {
    expect(next({ year: 2009, month: 1, day: '5th wed' }, '2009-01-01T00:00:00Z')).toEqual([]);
    expect(next({ day: 30, month: 2 }, '2024-01-01T00:00:00Z')).toEqual([]);
    // Only the year is given, so the rest default to their minimum: once, on 1 January.
    expect(next({ year: '2009,2008' }, '2009-01-01T00:00:00Z', 2)).toEqual(['2009-01-01T00:00:00Z']);
    expect(
      next({ year: 2009, month: 12, day: 31, hour: 23, minute: 59, second: 59 }, '2009-01-01T00:00:00Z', 2),
    ).toEqual(['2009-12-31T23:59:59Z']);
    expect(next({ year: 9999, month: 12, day: 31 }, '9999-12-31T00:00:01Z')).toEqual([]);
  });

  it('gives every field its normalized text in toString, like APScheduler', () => {
    expect(utc({ month: '6-8,11-12', day: '3rd fri', hour: '0-3' }).toString()).toBe(
      "cron[month='6-8,11-12', day='3rd fri', hour='0-3']",
    );
    expect(utc({ year: 2009, month: 2, hour: 0 }).toString()).toBe("cron[year='2009', month='2', hour='0']");
    expect(utc({ dayOfWeek: 'MON-Fri', day: ' Last   FRI ,1' }).toString()).toBe(
      "cron[day='last fri,1', dayOfWeek='mon-fri']",
    );
    expect(
      new CronTrigger({
        hour: 1,
        startDate: '2024-01-01',
        endDate: '2024-02-01',
        timezone: 'Europe/Berlin',
        jitter: 5,
      }).toString(),
    ).toBe(
      "cron[hour='1', start=2024-01-01 00:00:00 Europe/Berlin, end=2024-02-01 00:00:00 Europe/Berlin, jitter=5s]",
    );
  });

  // The JSON round trip of every trigger is in the trigger suite (trigger.suite.ts); this is the
  // field form with every field and option given.
  it('round-trips through toJSON and triggerFromJSON with every field', () => {
    const trigger = new CronTrigger({
      year: '2024-2030',
      month: 'jan-mar',
      day: 'last fri',
      week: '*/2',
      dayOfWeek: 'fri',
      hour: '9-17/4',
      minute: 30,
      second: '15',
      startDate: '2024-01-01 00:00',
      endDate: '2030-01-01 00:00',
      timezone: 'Asia/Tokyo',
      jitter: 3,
    });
    const json = JSON.parse(JSON.stringify(trigger.toJSON()));
    expect(json).toMatchObject({ type: 'cron', version: 1, timezone: 'Asia/Tokyo', jitter: 3 });
    const copy = triggerFromJSON(json);
    expect(copy).toBeInstanceOf(CronTrigger);
    expect(copy.toJSON()).toEqual(trigger.toJSON());
    expect(copy.toString()).toBe(trigger.toString());
    expect(iso(fireTimes(copy, '2024-01-01T00:00:00Z', 5))).toEqual(
      iso(fireTimes(trigger, '2024-01-01T00:00:00Z', 5)),
    );
  });

  it('uses the default zone it is given, and the trigger jitter is stored, not applied', () => {
    const trigger = new CronTrigger({ hour: 9, jitter: 30 }, { timezone: 'Asia/Kolkata' });
    expect(trigger.timezone).toBe('Asia/Kolkata');
    expect(trigger.jitter).toBe(30);
    expect(trigger.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-01-01T03:30:00.000Z',
    );
  });
});

describe('CronTrigger APScheduler 3 test cases (facts)', () => {
  const cases: [CronTriggerOptions, string, string[]][] = [
    [
      { year: '2009/2', month: '1/3', day: '5-13' },
      '2008-12-01T00:00:00Z',
      ['2009-01-05T00:00:00Z', '2009-01-06T00:00:00Z'],
    ],
    [{ year: '2009/2', month: '1/3', day: '5-13' }, '2009-10-14T00:00:00Z', ['2011-01-05T00:00:00Z']],
    [
      { year: '2009', month: 'feb-dec', hour: '8-10' },
      '2009-01-01T00:00:00Z',
      ['2009-02-01T08:00:00Z', '2009-02-01T09:00:00Z'],
    ],
    [{ year: '2012', month: '2', day: 'last' }, '2012-02-01T00:00:00Z', ['2012-02-29T00:00:00Z']],
    [{ year: '2009,2008' }, '2009-01-01T00:00:00Z', ['2009-01-01T00:00:00Z']],
    [
      { year: 2009, month: 2, hour: 0 },
      '2009-01-01T00:00:00Z',
      ['2009-02-01T00:00:00Z', '2009-02-02T00:00:00Z'],
    ],
    // APScheduler's day_of_week='2-4' (Monday = 0) is wed-fri.
    [
      { year: 2009, month: 1, day: '6-10', dayOfWeek: 'wed-fri' },
      '2009-01-01T00:00:00Z',
      ['2009-01-07T00:00:00Z', '2009-01-08T00:00:00Z'],
    ],
    [{ year: 2009, month: 1, day: '6-10', dayOfWeek: 'mon,sun' }, '2009-01-01T00:00:00Z', []],
    [{ year: 2009, month: 1, day: '4th wed' }, '2009-01-01T00:00:00Z', ['2009-01-28T00:00:00Z']],
    [
      { year: 2009, month: 2, week: 8 },
      '2009-01-01T00:00:00Z',
      ['2009-02-16T00:00:00Z', '2009-02-17T00:00:00Z'],
    ],
    [{ year: 2009, week: 15, dayOfWeek: 'wed' }, '2009-01-01T00:00:00Z', ['2009-04-08T00:00:00Z']],
    [
      { day: '6,8' },
      '2009-12-31T00:00:00Z',
      ['2010-01-06T00:00:00Z', '2010-01-08T00:00:00Z', '2010-02-06T00:00:00Z'],
    ],
    [{ hour: '5-6' }, '2009-09-25T07:00:00Z', ['2009-09-26T05:00:00Z', '2009-09-26T06:00:00Z']],
    [{ day: 30 }, '2016-02-28T00:00:00Z', ['2016-03-30T00:00:00Z', '2016-04-30T00:00:00Z']],
    [
      { year: 2009, month: 2, hour: '8-10', startDate: '2009-02-03 11:00:00' },
      '2009-01-01T00:00:00Z',
      ['2009-02-04T08:00:00Z'],
    ],
  ];
  it.each(cases)('%j from %s', (options, start, expected) => {
    expect(next(options, start, expected.length + 1).slice(0, expected.length)).toEqual(expected);
  });
});
