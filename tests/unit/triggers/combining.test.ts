import { describe, expect, it } from 'vitest';
import { InvalidTriggerError } from '../../../src/errors.js';
import { AndTrigger } from '../../../src/triggers/and-trigger.js';
import { CalendarIntervalTrigger } from '../../../src/triggers/calendar-interval-trigger.js';
import { CronTrigger, type CronTriggerOptions } from '../../../src/triggers/cron-trigger.js';
import { DateTrigger } from '../../../src/triggers/date-trigger.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import { OrTrigger } from '../../../src/triggers/or-trigger.js';
import { triggerFactory, triggerFromJSON } from '../../../src/triggers/registry.js';
import { fireTimes, iso } from './helpers.js';
import { andCase, orCase } from './trigger-cases.js';
import { runTriggerSuite } from './trigger.suite.js';

runTriggerSuite(andCase);
runTriggerSuite(orCase);

const cron = (options: CronTriggerOptions) => new CronTrigger({ timezone: 'UTC', ...options });
const times = (trigger: AndTrigger | OrTrigger, start: string, count: number) =>
  iso(fireTimes(trigger, start, count)).map((s) => s.replace('.000Z', 'Z'));

describe('AndTrigger', () => {
  it('fires when all parts agree, and ends when a part is exhausted', () => {
    const trigger = new AndTrigger([
      cron({ month: '5-8', day: '6-15', endDate: '2017-08-10' }),
      cron({ month: '6-9', day: '*/3', endDate: '2017-09-07' }),
    ]);
    expect(times(trigger, '2017-05-01T00:00:00Z', 20)).toEqual([
      '2017-06-07T00:00:00Z',
      '2017-06-10T00:00:00Z',
      '2017-06-13T00:00:00Z',
      '2017-07-07T00:00:00Z',
      '2017-07-10T00:00:00Z',
      '2017-07-13T00:00:00Z',
      '2017-08-07T00:00:00Z',
      '2017-08-10T00:00:00Z',
    ]);
  });

  it('jumps a fine part straight to a coarse one', () => {
    const trigger = new AndTrigger([cron({ second: '*/10' }), cron({ hour: 12, minute: '0-1' })]);
    expect(times(trigger, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-01T12:00:00Z',
      '2024-01-01T12:01:00Z',
      '2024-01-02T12:00:00Z',
    ]);
    // With a calendar interval: every other day at 12:00, only on weekdays.
    const mixed = new AndTrigger([
      new CalendarIntervalTrigger({ days: 2, hour: 12, startDate: '2024-01-01', timezone: 'UTC' }),
      cron({ dayOfWeek: 'mon-fri', hour: 12 }),
    ]);
    expect(times(mixed, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T12:00:00Z',
      '2024-01-03T12:00:00Z',
      '2024-01-05T12:00:00Z',
      '2024-01-09T12:00:00Z',
    ]);
  });

  it('works with a date trigger', () => {
    const trigger = new AndTrigger([
      new DateTrigger({ runDate: '2024-01-01T12:00:00Z' }),
      cron({ hour: 12 }),
    ]);
    expect(times(trigger, '2023-12-01T00:00:00Z', 3)).toEqual(['2024-01-01T12:00:00Z']);
    const never = new AndTrigger([new DateTrigger({ runDate: '2024-01-01T12:30:00Z' }), cron({ hour: 12 })]);
    expect(times(never, '2023-12-01T00:00:00Z', 3)).toEqual([]);
  });

  it('throws InvalidTriggerError, quickly, when the parts can never agree', () => {
    const trigger = new AndTrigger([
      cron({ month: '5-8', day: '6-15' }),
      cron({ month: '9-12', day: '*/3' }),
    ]);
    const began = performance.now();
    expect(() => trigger.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))).toThrow(
      InvalidTriggerError,
    );
    expect(() => trigger.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))).toThrow(
      /did not agree on a fire time within 10000 rounds/,
    );
    expect(performance.now() - began).toBeLessThan(2000);
  });

  it('is built from the alias options, prints, and writes its parts to JSON', () => {
    const parts = [cron({ dayOfWeek: 'mon-fri', hour: 9 }), cron({ day: '1-7', hour: '*' })];
    const trigger = triggerFactory('and').create({ triggers: parts, jitter: 4 }, { timezone: 'UTC' });
    expect(trigger).toBeInstanceOf(AndTrigger);
    expect(trigger.jitter).toBe(4);
    expect(trigger.toString()).toBe(
      "and[cron[dayOfWeek='mon-fri', hour='9'], cron[day='1-7', hour='*'], jitter=4s]",
    );
    expect(trigger.toJSON().triggers).toHaveLength(2);
  });
});

describe('OrTrigger', () => {
  it('fires at the earliest part, once for a time several parts share', () => {
    const trigger = new OrTrigger([cron({ minute: '*/2' }), cron({ minute: '*/3' })]);
    expect(times(trigger, '2024-01-01T00:00:00Z', 7).map((s) => s.slice(14, 16))).toEqual([
      '00',
      '02',
      '03',
      '04',
      '06',
      '08',
      '09',
    ]);
  });

  it('is exhausted when every part is', () => {
    const trigger = new OrTrigger([
      cron({ month: '5-8', day: 6, startDate: '2017-05-06', endDate: '2017-08-10' }),
      cron({ month: '6-9', day: 15, endDate: '2017-09-07' }),
    ]);
    expect(times(trigger, '2017-05-01T00:00:00Z', 20)).toEqual([
      '2017-05-06T00:00:00Z',
      '2017-06-06T00:00:00Z',
      '2017-06-15T00:00:00Z',
      '2017-07-06T00:00:00Z',
      '2017-07-15T00:00:00Z',
      '2017-08-06T00:00:00Z',
      '2017-08-15T00:00:00Z',
    ]);
  });

  // The JSON round trip of every trigger, nested ones too, is in the trigger suite (trigger.suite.ts).
  it('nests, and reads back as an OrTrigger', () => {
    const trigger = new OrTrigger(
      [
        new AndTrigger([cron({ dayOfWeek: 'sat,sun', hour: '*' }), cron({ hour: 11 })]),
        new CalendarIntervalTrigger({
          weeks: 1,
          hour: 9,
          startDate: '2024-01-01',
          timezone: 'Europe/Berlin',
        }),
        CronTrigger.fromCrontab('0 18 L * *', { timezone: 'Asia/Tokyo' }),
      ],
      { jitter: 1 },
    );
    const json = JSON.parse(JSON.stringify(trigger.toJSON()));
    expect(json).toMatchObject({ type: 'or', version: 1, jitter: 1 });
    expect(triggerFromJSON(json)).toBeInstanceOf(OrTrigger);
    expect(
      triggerFactory('or').create({ triggers: [cron({ hour: 1 })] }, { timezone: 'UTC' }),
    ).toBeInstanceOf(OrTrigger);
  });
});

describe('combining interval and date triggers', () => {
  const interval = (seconds: number) => new IntervalTrigger({ seconds, startDate: '2024-01-01T00:00:00Z' });
  it('OrTrigger keeps each interval on its own grid', () => {
    const trigger = new OrTrigger([interval(10), interval(15)]);
    expect(times(trigger, '2024-01-01T00:00:00Z', 7).map((s) => s.slice(17, 19))).toEqual([
      '00',
      '10',
      '15',
      '20',
      '30',
      '40',
      '45',
    ]);
  });
  it('OrTrigger does not lose a date trigger when another part fires first', () => {
    const trigger = new OrTrigger([
      cron({ minute: 0 }),
      new DateTrigger({ runDate: '2024-01-01T02:30:00Z' }),
    ]);
    expect(times(trigger, '2024-01-01T00:30:00Z', 5)).toEqual([
      '2024-01-01T01:00:00Z',
      '2024-01-01T02:00:00Z',
      '2024-01-01T02:30:00Z',
      '2024-01-01T03:00:00Z',
      '2024-01-01T04:00:00Z',
    ]);
  });
  it('AndTrigger aligns an interval with a cron expression', () => {
    const trigger = new AndTrigger([
      new IntervalTrigger({ minutes: 10, startDate: '2024-01-01T00:00:00Z' }),
      cron({ minute: '*/15' }),
    ]);
    expect(times(trigger, '2024-01-01T00:05:00Z', 3)).toEqual([
      '2024-01-01T00:30:00Z',
      '2024-01-01T01:00:00Z',
      '2024-01-01T01:30:00Z',
    ]);
  });
});
