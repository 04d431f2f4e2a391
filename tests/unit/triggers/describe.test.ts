// describeTrigger: every built-in trigger in English, its zone in parentheses.
import { describe, expect, it } from 'vitest';
import {
  AndTrigger,
  CalendarIntervalTrigger,
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  OrTrigger,
  describeTrigger,
  type Trigger,
  type TriggerJSON,
} from '../../../src/index.js';

const utc = { timezone: 'UTC' };
const cron = (fields: ConstructorParameters<typeof CronTrigger>[0]) => new CronTrigger({ ...fields, ...utc });
const crontab = (expression: string, domAndDow = false) =>
  CronTrigger.fromCrontab(expression, { ...utc, domAndDow });

describe('describeTrigger', () => {
  it.each<[string, Trigger, string]>([
    [
      'weekdays (crontab)',
      CronTrigger.fromCrontab('30 10 * * 1-5', { timezone: 'Asia/Shanghai' }),
      'every weekday at 10:30 (Asia/Shanghai)',
    ],
    [
      'weekdays (fields)',
      new CronTrigger({ dayOfWeek: 'mon-fri', hour: 10, minute: 30, timezone: 'Asia/Shanghai' }),
      'every weekday at 10:30 (Asia/Shanghai)',
    ],
    ['last Friday (crontab 5L)', crontab('0 9 * * 5L'), 'at 09:00 on the last Friday of the month (UTC)'],
    [
      'last Friday (fields)',
      cron({ day: 'last fri', hour: 9 }),
      'at 09:00 on the last Friday of the month (UTC)',
    ],
    ['every 5 minutes', crontab('*/5 * * * *'), 'every 5 minutes (UTC)'],
    ['every minute', crontab('* * * * *'), 'every minute (UTC)'],
    ['no field at all: every second', cron({}), 'every second (UTC)'],
    ['every 10 seconds (6 fields)', crontab('*/10 * * * * *'), 'every 10 seconds (UTC)'],
    ['@hourly', crontab('@hourly'), 'every hour (UTC)'],
    ['@daily', crontab('@daily'), 'every day at 00:00 (UTC)'],
    ['@weekly', crontab('@weekly'), 'every Sunday at 00:00 (UTC)'],
    ['@monthly', crontab('@monthly'), 'at 00:00 on the 1st of the month (UTC)'],
    ['@yearly', crontab('@yearly'), 'at 00:00 on the 1st of January (UTC)'],
    ['finer fields default to their minimum', cron({ day: 1 }), 'at 00:00 on the 1st of the month (UTC)'],
    [
      'crontab day OR weekday',
      crontab('0 0 13 * 5'),
      'at 00:00 on the 13th of the month or on Fridays (UTC)',
    ],
    [
      'crontab with domAndDow',
      crontab('0 0 13 * 5', true),
      'at 00:00 on the 13th of the month if it is a Friday (UTC)',
    ],
    [
      'fields: day AND weekday',
      cron({ day: 13, dayOfWeek: 'fri' }),
      'at 00:00 on the 13th of the month if it is a Friday (UTC)',
    ],
    ['hour range', crontab('0 9-17 * * *'), 'every hour from 09:00 to 17:00 (UTC)'],
    [
      'minutes in an hour range on weekdays',
      crontab('*/15 9-17 * * 1-5'),
      'every 15 minutes from 09:00 to 17:45 on weekdays (UTC)',
    ],
    [
      'two minutes in an hour range',
      crontab('0,30 9-17 * * *'),
      'every hour at minutes 0 and 30 from 09:00 to 17:30 (UTC)',
    ],
    ['every 2 hours', crontab('0 */2 * * *'), 'every 2 hours (UTC)'],
    ['every 2 hours at a minute', crontab('15 */2 * * *'), 'every 2 hours at minute 15 (UTC)'],
    ['a few times a day', crontab('0 9,12,17 * * *'), 'every day at 09:00, 12:00 and 17:00 (UTC)'],
    [
      'a stepped hour range, listed',
      cron({ hour: '9-17/2' }),
      'every day at 09:00, 11:00, 13:00, 15:00 and 17:00 (UTC)',
    ],
    ['seconds in the time', crontab('30 0 9 * * *'), 'every day at 09:00:30 (UTC)'],
    [
      'uneven minute steps are listed',
      cron({ minute: '*/7' }),
      'every hour at minutes 0, 7, 14, 21, 28, 35, 42, 49 and 56 (UTC)',
    ],
    ['days of the month', crontab('0 0 1,15 * *'), 'at 00:00 on the 1st and the 15th of the month (UTC)'],
    ['a range of days', cron({ day: '1-7', hour: 6 }), 'at 06:00 on the 1st to the 7th of the month (UTC)'],
    [
      'every other day',
      cron({ day: '*/2', hour: 6 }),
      'at 06:00 on every 2nd day from the 1st of the month (UTC)',
    ],
    ['L', crontab('0 0 L * *'), 'at 00:00 on the last day of the month (UTC)'],
    ['L-2', crontab('0 0 L-2 * *'), 'at 00:00 on the 3rd-to-last day of the month (UTC)'],
    ['LW', crontab('0 0 LW * *'), 'at 00:00 on the last weekday of the month (UTC)'],
    ['15W', crontab('0 0 15W * *'), 'at 00:00 on the weekday nearest the 15th of the month (UTC)'],
    ['5#2', crontab('0 12 * * 5#2'), 'at 12:00 on the 2nd Friday of the month (UTC)'],
    [
      '3rd wed (fields)',
      cron({ day: '3rd wed', hour: 18 }),
      'at 18:00 on the 3rd Wednesday of the month (UTC)',
    ],
    ['quarterly', crontab('0 0 1 */3 *'), 'at 00:00 on the 1st of January, April, July and October (UTC)'],
    ['a range of months', crontab('0 0 * 6-8 *'), 'every day at 00:00 from June to August (UTC)'],
    [
      'two months, by name',
      cron({ month: 'jan,jul', day: 1 }),
      'at 00:00 on the 1st of January and July (UTC)',
    ],
    ['a year', crontab('0 0 9 * * * 2027'), 'every day at 09:00 in 2027 (UTC)'],
    ['the weekend', crontab('0 10 * * 0,6'), 'every Saturday and Sunday at 10:00 (UTC)'],
    [
      'a list of weekdays',
      crontab('0 8 * * mon,wed,fri'),
      'every Monday, Wednesday and Friday at 08:00 (UTC)',
    ],
    [
      'a weekday range across Sunday',
      cron({ dayOfWeek: 'fri-sun', hour: 20 }),
      'every day from Friday to Sunday at 20:00 (UTC)',
    ],
    [
      'repeating on a weekday range',
      cron({ dayOfWeek: 'mon-thu', minute: '*/30' }),
      'every hour at minutes 0 and 30 from Monday to Thursday (UTC)',
    ],
    [
      'an ISO week',
      cron({ week: 1, dayOfWeek: 'mon', hour: 9 }),
      'every Monday at 09:00 in ISO week 1 (UTC)',
    ],
    [
      'a window and jitter',
      new CronTrigger({
        hour: 8,
        startDate: '2026-03-01',
        endDate: '2026-03-31 23:59',
        jitter: 60,
        timezone: 'Europe/Berlin',
      }),
      'every day at 08:00 from 2026-03-01 00:00 until 2026-03-31 23:59, with up to 60 seconds of jitter (Europe/Berlin)',
    ],
    ['interval: minutes', new IntervalTrigger({ minutes: 5 }), 'every 5 minutes'],
    ['interval: one hour', new IntervalTrigger({ hours: 1 }), 'every hour'],
    ['interval: mixed units', new IntervalTrigger({ minutes: 90 }), 'every 1 hour and 30 minutes'],
    ['interval: weeks only when whole', new IntervalTrigger({ days: 14 }), 'every 2 weeks'],
    ['interval: days', new IntervalTrigger({ days: 10 }), 'every 10 days'],
    ['interval: milliseconds', new IntervalTrigger({ seconds: 1.5 }), 'every 1 second and 500 milliseconds'],
    [
      'interval with dates names its zone',
      new IntervalTrigger({ hours: 2, startDate: '2026-01-01 08:00', jitter: 1, timezone: 'Europe/Berlin' }),
      'every 2 hours from 2026-01-01 08:00, with up to 1 second of jitter (Europe/Berlin)',
    ],
    [
      'date',
      new DateTrigger({ runDate: '2026-12-24 18:00', timezone: 'Europe/Berlin' }),
      'once at 2026-12-24 18:00 (Europe/Berlin)',
    ],
    [
      'date with seconds',
      new DateTrigger({ runDate: '2026-12-24 18:00:05.250', timezone: 'Europe/Berlin' }),
      'once at 2026-12-24 18:00:05.250 (Europe/Berlin)',
    ],
    [
      'calendarinterval',
      new CalendarIntervalTrigger({ months: 1, hour: 9, startDate: '2026-01-31', timezone: 'Europe/Berlin' }),
      'every month at 09:00 from 2026-01-31 00:00 (Europe/Berlin)',
    ],
    [
      'calendarinterval: daily',
      new CalendarIntervalTrigger({ days: 1, hour: 9, minute: 30, ...utc }),
      'every day at 09:30 (UTC)',
    ],
    [
      'calendarinterval: mixed steps',
      new CalendarIntervalTrigger({ years: 1, weeks: 2, ...utc }),
      'every 1 year and 2 weeks at 00:00 (UTC)',
    ],
    [
      'or',
      new OrTrigger([cron({ dayOfWeek: 'mon-fri', hour: 9 }), cron({ dayOfWeek: 'sat', hour: 12 })]),
      'every weekday at 09:00 or every Saturday at 12:00 (UTC)',
    ],
    [
      'and',
      new AndTrigger([cron({ dayOfWeek: 'mon-fri', hour: 9 }), cron({ day: '1-7' })]),
      'both every weekday at 09:00 and at 00:00 on the 1st to the 7th of the month (UTC)',
    ],
    [
      'and of three',
      new AndTrigger([new IntervalTrigger({ hours: 1 }), cron({ hour: '9-17' }), cron({ dayOfWeek: 'mon' })]),
      'all of every hour, every hour from 09:00 to 17:00 and every Monday at 00:00 (UTC)',
    ],
    [
      'parts in different zones keep theirs',
      new OrTrigger(
        [
          new CronTrigger({ hour: 9, timezone: 'Asia/Tokyo' }),
          new CronTrigger({ hour: 9, timezone: 'Europe/Paris' }),
        ],
        { jitter: 5 },
      ),
      'every day at 09:00 (Asia/Tokyo) or every day at 09:00 (Europe/Paris), with up to 5 seconds of jitter',
    ],
  ])('%s', (_name, trigger, expected) => {
    expect(describeTrigger(trigger)).toBe(expected);
  });

  it('gives the same words for a trigger read back from JSON', () => {
    const trigger = crontab('0 9 * * 5L');
    const again = CronTrigger.fromJSON(trigger.toJSON());
    expect(describeTrigger(again)).toBe(describeTrigger(trigger));
  });

  it("falls back to a custom trigger's toString()", () => {
    const custom: Trigger = {
      type: 'custom',
      jitter: null,
      getNextFireTime: () => null,
      toJSON: (): TriggerJSON => ({ type: 'custom', version: 1 }),
      toString: () => 'custom[every full moon]',
    };
    expect(describeTrigger(custom)).toBe('custom[every full moon]');
    expect(describeTrigger(new OrTrigger([custom, new IntervalTrigger({ minutes: 5 })]))).toBe(
      'custom[every full moon] or every 5 minutes',
    );
  });
});
