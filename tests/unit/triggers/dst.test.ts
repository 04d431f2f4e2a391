import { describe, expect, it } from 'vitest';
import { CalendarIntervalTrigger } from '../../../src/triggers/calendar-interval-trigger.js';
import { CronTrigger, type CronTriggerOptions } from '../../../src/triggers/cron-trigger.js';
import { fromWallTime } from '../../../src/time/zone.js';
import type { Trigger } from '../../../src/triggers/trigger.js';
import { fireTimesUntil, local, localTimes } from './helpers.js';

/**
 * SPEC section 3: a wall time in a spring-forward gap fires at that time read with the offset before
 * the gap; instants reached twice fire once; a wall time that occurs twice fires at its first
 * occurrence unless the hour field is `*`, which fires in every real hour.
 * Transitions used (2024): Berlin 31 Mar 02:00->03:00, 27 Oct 03:00->02:00; New York 10 Mar
 * 02:00->03:00, 3 Nov 02:00->01:00; Lord Howe 7 Apr 02:00->01:30, 6 Oct 02:00->02:30; Santiago 7 Apr
 * 00:00->6 Apr 23:00, 8 Sep 00:00->01:00; Chatham 7 Apr 03:45->02:45, 29 Sep 02:45->03:45; Sydney
 * 7 Apr 03:00->02:00, 6 Oct 02:00->03:00.
 */
const cron = (timezone: string, options: CronTriggerOptions) => new CronTrigger({ ...options, timezone });
const crontab = (timezone: string, expression: string) => CronTrigger.fromCrontab(expression, { timezone });
/** A naive local time read in the zone (for start instants outside any gap or overlap). */
const at = (timezone: string, wall: string) => {
  const [date = '', time = '00:00'] = wall.split(' ');
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return new Date(fromWallTime(timezone, { year, month, day, hour, minute, second: 0, millisecond: 0 }));
};
const run = (trigger: Trigger, timezone: string, start: string, count: number) =>
  localTimes(trigger, at(timezone, start), count, timezone);
/** Number of fires whose local date is `day`. */
const firesOn = (trigger: Trigger, timezone: string, day: string) => {
  const nextDay = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const end = new Date(at(timezone, `${nextDay} 00:00`).getTime() - 1);
  return fireTimesUntil(trigger, at(timezone, `${day} 00:00`), end).filter((date) =>
    local(date, timezone)?.startsWith(day),
  ).length;
};

describe('Europe/Berlin (one-hour shift at 02:00/03:00)', () => {
  const tz = 'Europe/Berlin';
  it('fixed-hour job: 02:30 runs at 03:30 on the spring day and once, at the first 02:30, in the autumn', () => {
    expect(run(crontab(tz, '30 2 * * *'), tz, '2024-03-30 00:00', 3)).toEqual([
      '2024-03-30 02:30:00+01:00',
      '2024-03-31 03:30:00+02:00',
      '2024-04-01 02:30:00+02:00',
    ]);
    expect(run(crontab(tz, '30 2 * * *'), tz, '2024-10-26 00:00', 3)).toEqual([
      '2024-10-26 02:30:00+02:00',
      '2024-10-27 02:30:00+02:00',
      '2024-10-28 02:30:00+01:00',
    ]);
  });
  it('hourly job: the missing hour collapses into 03:00, the repeated hour runs twice', () => {
    expect(run(crontab(tz, '0 * * * *'), tz, '2024-03-31 00:30', 3)).toEqual([
      '2024-03-31 01:00:00+01:00',
      '2024-03-31 03:00:00+02:00',
      '2024-03-31 04:00:00+02:00',
    ]);
    expect(run(crontab(tz, '0 * * * *'), tz, '2024-10-27 00:30', 4)).toEqual([
      '2024-10-27 01:00:00+02:00',
      '2024-10-27 02:00:00+02:00',
      '2024-10-27 02:00:00+01:00',
      '2024-10-27 03:00:00+01:00',
    ]);
  });
  it('every 15 minutes: 92 runs on the 23-hour day, 100 on the 25-hour day', () => {
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-03-31')).toBe(92);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-10-27')).toBe(100);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-03-30')).toBe(96);
  });
  it('every 15 minutes of hour 2 only: four runs each day, none doubled', () => {
    expect(run(crontab(tz, '*/15 2 * * *'), tz, '2024-03-31 00:00', 5)).toEqual([
      '2024-03-31 03:00:00+02:00',
      '2024-03-31 03:15:00+02:00',
      '2024-03-31 03:30:00+02:00',
      '2024-03-31 03:45:00+02:00',
      '2024-04-01 02:00:00+02:00',
    ]);
    expect(run(crontab(tz, '*/15 2 * * *'), tz, '2024-10-27 00:00', 5)).toEqual([
      '2024-10-27 02:00:00+02:00',
      '2024-10-27 02:15:00+02:00',
      '2024-10-27 02:30:00+02:00',
      '2024-10-27 02:45:00+02:00',
      '2024-10-28 02:00:00+01:00',
    ]);
  });
  it('a search starting inside the repeated hour skips wall times that already fired', () => {
    const secondPass = new Date('2024-10-27T01:10:00Z'); // 02:10+01:00
    expect(local(crontab(tz, '30 2 * * *').getNextFireTime(null, secondPass), tz)).toBe(
      '2024-10-28 02:30:00+01:00',
    );
    expect(local(crontab(tz, '30 * * * *').getNextFireTime(null, secondPass), tz)).toBe(
      '2024-10-27 02:30:00+01:00',
    );
  });
  it('a yearly job in the gap still runs when its next match is a year away', () => {
    expect(run(cron(tz, { month: 3, day: 31, hour: 2, minute: 30 }), tz, '2024-03-30 00:00', 2)).toEqual([
      '2024-03-31 03:30:00+02:00',
      '2025-03-31 02:30:00+02:00',
    ]);
  });
  it('calendar interval: daily at 02:30', () => {
    const daily = new CalendarIntervalTrigger({
      days: 1,
      hour: 2,
      minute: 30,
      startDate: '2024-03-30',
      timezone: tz,
    });
    expect(run(daily, tz, '2024-03-30 00:00', 3)).toEqual([
      '2024-03-30 02:30:00+01:00',
      '2024-03-31 03:30:00+02:00',
      '2024-04-01 02:30:00+02:00',
    ]);
    expect(run(daily, tz, '2024-10-26 00:00', 3)).toEqual([
      '2024-10-26 02:30:00+02:00',
      '2024-10-27 02:30:00+02:00',
      '2024-10-28 02:30:00+01:00',
    ]);
  });
});

describe('America/New_York', () => {
  const tz = 'America/New_York';
  it("APScheduler 3's DST cases", () => {
    expect(run(cron(tz, { hour: 8 }), tz, '2013-03-09 12:00', 1)).toEqual(['2013-03-10 08:00:00-04:00']);
    expect(run(cron(tz, { hour: 8 }), tz, '2013-11-02 12:00', 1)).toEqual(['2013-11-03 08:00:00-05:00']);
    expect(run(cron(tz, { minute: '*/30' }), tz, '2013-03-10 01:35', 2)).toEqual([
      '2013-03-10 03:00:00-04:00',
      '2013-03-10 03:30:00-04:00',
    ]);
    // 01:35 EDT, the first pass: the next half hour is 01:00 EST, in the second pass.
    expect(localTimes(cron(tz, { minute: '*/30' }), new Date('2013-11-03T05:35:00Z'), 3, tz)).toEqual([
      '2013-11-03 01:00:00-05:00',
      '2013-11-03 01:30:00-05:00',
      '2013-11-03 02:00:00-05:00',
    ]);
  });
  it('fixed-hour and hourly jobs', () => {
    expect(run(crontab(tz, '30 2 * * *'), tz, '2024-03-09 12:00', 2)).toEqual([
      '2024-03-10 03:30:00-04:00',
      '2024-03-11 02:30:00-04:00',
    ]);
    expect(run(crontab(tz, '30 1 * * *'), tz, '2024-11-02 12:00', 2)).toEqual([
      '2024-11-03 01:30:00-04:00',
      '2024-11-04 01:30:00-05:00',
    ]);
    expect(run(crontab(tz, '30 * * * *'), tz, '2024-11-03 00:00', 4)).toEqual([
      '2024-11-03 00:30:00-04:00',
      '2024-11-03 01:30:00-04:00',
      '2024-11-03 01:30:00-05:00',
      '2024-11-03 02:30:00-05:00',
    ]);
  });
  it('every 15 minutes', () => {
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-03-10')).toBe(92);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-11-03')).toBe(100);
  });
  it('calendar interval: weekly on Sunday at 02:30 and 01:30', () => {
    const weekly = (hour: number) =>
      new CalendarIntervalTrigger({ weeks: 1, hour, minute: 30, startDate: '2024-03-03', timezone: tz });
    expect(run(weekly(2), tz, '2024-03-03 00:00', 3)).toEqual([
      '2024-03-03 02:30:00-05:00',
      '2024-03-10 03:30:00-04:00',
      '2024-03-17 02:30:00-04:00',
    ]);
    expect(run(weekly(1), tz, '2024-10-27 00:00', 3)).toEqual([
      '2024-10-27 01:30:00-04:00',
      '2024-11-03 01:30:00-04:00',
      '2024-11-10 01:30:00-05:00',
    ]);
  });
});

describe('Australia/Lord_Howe (30-minute shift)', () => {
  const tz = 'Australia/Lord_Howe';
  it('spring: wall times in the half-hour gap move forward 30 minutes and never double', () => {
    expect(run(crontab(tz, '15 2 * * *'), tz, '2024-10-05 12:00', 2)).toEqual([
      '2024-10-06 02:45:00+11:00',
      '2024-10-07 02:15:00+11:00',
    ]);
    expect(run(crontab(tz, '*/15 * * * *'), tz, '2024-10-06 01:40', 4)).toEqual([
      '2024-10-06 01:45:00+10:30',
      '2024-10-06 02:30:00+11:00',
      '2024-10-06 02:45:00+11:00',
      '2024-10-06 03:00:00+11:00',
    ]);
    expect(run(crontab(tz, '0 * * * *'), tz, '2024-10-06 00:30', 3)).toEqual([
      '2024-10-06 01:00:00+10:30',
      '2024-10-06 02:30:00+11:00',
      '2024-10-06 03:00:00+11:00',
    ]);
    // 02:20 is in the gap (fires at 02:50); 02:40 is real and comes first.
    expect(run(cron(tz, { hour: 2, minute: '20,40' }), tz, '2024-10-06 00:00', 3)).toEqual([
      '2024-10-06 02:40:00+11:00',
      '2024-10-06 02:50:00+11:00',
      '2024-10-07 02:20:00+11:00',
    ]);
  });
  it('autumn: the repeated half hour runs once for a fixed hour, twice for hour *', () => {
    expect(run(crontab(tz, '45 1 * * *'), tz, '2024-04-06 12:00', 2)).toEqual([
      '2024-04-07 01:45:00+11:00',
      '2024-04-08 01:45:00+10:30',
    ]);
    expect(run(crontab(tz, '*/15 * * * *'), tz, '2024-04-07 01:10', 6)).toEqual([
      '2024-04-07 01:15:00+11:00',
      '2024-04-07 01:30:00+11:00',
      '2024-04-07 01:45:00+11:00',
      '2024-04-07 01:30:00+10:30',
      '2024-04-07 01:45:00+10:30',
      '2024-04-07 02:00:00+10:30',
    ]);
  });
  it('every 15 minutes: 94 runs on the 23.5-hour day, 98 on the 24.5-hour day', () => {
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-10-06')).toBe(94);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-04-07')).toBe(98);
  });
  it('calendar interval: daily at 02:15 and 01:45', () => {
    const daily = (hour: number, minute: number) =>
      new CalendarIntervalTrigger({ days: 1, hour, minute, startDate: '2024-01-01', timezone: tz });
    expect(run(daily(2, 15), tz, '2024-10-05 12:00', 2)).toEqual([
      '2024-10-06 02:45:00+11:00',
      '2024-10-07 02:15:00+11:00',
    ]);
    expect(run(daily(1, 45), tz, '2024-04-06 12:00', 2)).toEqual([
      '2024-04-07 01:45:00+11:00',
      '2024-04-08 01:45:00+10:30',
    ]);
  });
});

describe('America/Santiago (shift at midnight)', () => {
  const tz = 'America/Santiago';
  it('a midnight job runs at 01:00 on the day midnight does not exist, and once on the long day', () => {
    expect(run(crontab(tz, '0 0 * * *'), tz, '2024-09-06 12:00', 3)).toEqual([
      '2024-09-07 00:00:00-04:00',
      '2024-09-08 01:00:00-03:00',
      '2024-09-09 00:00:00-03:00',
    ]);
    expect(run(crontab(tz, '0 0 * * *'), tz, '2024-04-05 12:00', 3)).toEqual([
      '2024-04-06 00:00:00-03:00',
      '2024-04-07 00:00:00-04:00',
      '2024-04-08 00:00:00-04:00',
    ]);
  });
  it('23:30 runs once at its first occurrence; hourly runs both 23:00s', () => {
    expect(run(crontab(tz, '30 23 * * *'), tz, '2024-04-06 12:00', 2)).toEqual([
      '2024-04-06 23:30:00-03:00',
      '2024-04-07 23:30:00-04:00',
    ]);
    expect(run(crontab(tz, '0 * * * *'), tz, '2024-04-06 21:30', 4)).toEqual([
      '2024-04-06 22:00:00-03:00',
      '2024-04-06 23:00:00-03:00',
      '2024-04-06 23:00:00-04:00',
      '2024-04-07 00:00:00-04:00',
    ]);
  });
  it('every 15 minutes', () => {
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-09-08')).toBe(92);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-04-06')).toBe(100);
  });
  it('calendar interval: daily at midnight', () => {
    const daily = new CalendarIntervalTrigger({ days: 1, startDate: '2024-09-01', timezone: tz });
    expect(run(daily, tz, '2024-09-06 12:00', 3)).toEqual([
      '2024-09-07 00:00:00-04:00',
      '2024-09-08 01:00:00-03:00',
      '2024-09-09 00:00:00-03:00',
    ]);
  });
});

describe('Pacific/Chatham (+12:45/+13:45, shift at 02:45/03:45)', () => {
  const tz = 'Pacific/Chatham';
  it('fixed-hour and hourly jobs', () => {
    expect(run(crontab(tz, '0 3 * * *'), tz, '2024-09-28 12:00', 2)).toEqual([
      '2024-09-29 04:00:00+13:45',
      '2024-09-30 03:00:00+13:45',
    ]);
    expect(run(crontab(tz, '0 3 * * *'), tz, '2024-04-06 12:00', 2)).toEqual([
      '2024-04-07 03:00:00+13:45',
      '2024-04-08 03:00:00+12:45',
    ]);
    expect(run(crontab(tz, '0 * * * *'), tz, '2024-09-29 01:30', 3)).toEqual([
      '2024-09-29 02:00:00+12:45',
      '2024-09-29 04:00:00+13:45',
      '2024-09-29 05:00:00+13:45',
    ]);
    expect(run(crontab(tz, '0 * * * *'), tz, '2024-04-07 01:30', 4)).toEqual([
      '2024-04-07 02:00:00+13:45',
      '2024-04-07 03:00:00+13:45',
      '2024-04-07 03:00:00+12:45',
      '2024-04-07 04:00:00+12:45',
    ]);
  });
  it('every 15 minutes', () => {
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-09-29')).toBe(92);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-04-07')).toBe(100);
  });
  it('calendar interval: daily at 03:00', () => {
    const daily = new CalendarIntervalTrigger({ days: 1, hour: 3, startDate: '2024-01-01', timezone: tz });
    expect(run(daily, tz, '2024-09-28 12:00', 2)).toEqual([
      '2024-09-29 04:00:00+13:45',
      '2024-09-30 03:00:00+13:45',
    ]);
    expect(run(daily, tz, '2024-04-06 12:00', 2)).toEqual([
      '2024-04-07 03:00:00+13:45',
      '2024-04-08 03:00:00+12:45',
    ]);
  });
});

describe('Australia/Sydney', () => {
  const tz = 'Australia/Sydney';
  it('fixed-hour, hourly and 15-minute jobs', () => {
    expect(run(crontab(tz, '30 2 * * *'), tz, '2024-10-05 12:00', 2)).toEqual([
      '2024-10-06 03:30:00+11:00',
      '2024-10-07 02:30:00+11:00',
    ]);
    expect(run(crontab(tz, '30 2 * * *'), tz, '2024-04-06 12:00', 2)).toEqual([
      '2024-04-07 02:30:00+11:00',
      '2024-04-08 02:30:00+10:00',
    ]);
    expect(run(crontab(tz, '0 * * * *'), tz, '2024-04-07 01:30', 4)).toEqual([
      '2024-04-07 02:00:00+11:00',
      '2024-04-07 02:00:00+10:00',
      '2024-04-07 03:00:00+10:00',
      '2024-04-07 04:00:00+10:00',
    ]);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-10-06')).toBe(92);
    expect(firesOn(crontab(tz, '*/15 * * * *'), tz, '2024-04-07')).toBe(100);
  });
  it('calendar interval: monthly at 02:30 from the 7th', () => {
    const monthly = new CalendarIntervalTrigger({
      months: 1,
      hour: 2,
      minute: 30,
      startDate: '2024-03-07',
      timezone: tz,
    });
    expect(run(monthly, tz, '2024-03-08 00:00', 7)).toEqual([
      '2024-04-07 02:30:00+11:00',
      '2024-05-07 02:30:00+10:00',
      '2024-06-07 02:30:00+10:00',
      '2024-07-07 02:30:00+10:00',
      '2024-08-07 02:30:00+10:00',
      '2024-09-07 02:30:00+10:00',
      '2024-10-07 02:30:00+11:00',
    ]);
  });
});

describe('a daily job never loses or doubles a run', () => {
  const transitions: [string, string, string][] = [
    ['Europe/Berlin', '2024-03-28', '2024-04-03'],
    ['Europe/Berlin', '2024-10-24', '2024-10-30'],
    ['America/New_York', '2024-03-07', '2024-03-13'],
    ['America/New_York', '2024-10-31', '2024-11-06'],
    ['Australia/Lord_Howe', '2024-04-04', '2024-04-10'],
    ['Australia/Lord_Howe', '2024-10-03', '2024-10-09'],
    ['America/Santiago', '2024-04-04', '2024-04-10'],
    ['America/Santiago', '2024-09-05', '2024-09-11'],
    ['Pacific/Chatham', '2024-04-04', '2024-04-10'],
    ['Pacific/Chatham', '2024-09-26', '2024-10-02'],
    ['Australia/Sydney', '2024-04-04', '2024-04-10'],
    ['Australia/Sydney', '2024-10-03', '2024-10-09'],
  ];
  it.each(transitions)('%s from %s to %s, at every quarter hour of the day', (tz, first, last) => {
    const start = at(tz, `${first} 00:00`);
    const end = new Date(at(tz, `${last} 00:00`).getTime() - 1);
    for (let minuteOfDay = 0; minuteOfDay < 1440; minuteOfDay += 15) {
      const [hour, minute] = [Math.floor(minuteOfDay / 60), minuteOfDay % 60];
      const triggers: Trigger[] = [
        cron(tz, { hour, minute }),
        new CalendarIntervalTrigger({ days: 1, hour, minute, startDate: '2024-01-01', timezone: tz }),
      ];
      for (const trigger of triggers) {
        const days = fireTimesUntil(trigger, start, end).map((date) => local(date, tz)?.slice(0, 10));
        expect(days, `${trigger} in ${tz}`).toHaveLength(6);
        expect(new Set(days).size, `${trigger} in ${tz}`).toBe(6);
      }
    }
  });
});
