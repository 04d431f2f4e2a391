import { describe, expect, it } from 'vitest';
import { InvalidTriggerError } from '../../../src/errors.js';
import { AndTrigger } from '../../../src/triggers/and-trigger.js';
import { CalendarIntervalTrigger } from '../../../src/triggers/calendar-interval-trigger.js';
import { CronTrigger, type CronTriggerOptions } from '../../../src/triggers/cron-trigger.js';
import { DateTrigger } from '../../../src/triggers/date-trigger.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import { OrTrigger } from '../../../src/triggers/or-trigger.js';
import { triggerFactory, triggerFromJSON } from '../../../src/triggers/registry.js';
import type { Trigger } from '../../../src/triggers/trigger.js';

/** Runs `make`, expecting an InvalidTriggerError for `field` whose message contains every fragment. */
function expectInvalid(make: () => unknown, field: string, ...fragments: string[]): InvalidTriggerError {
  let caught: unknown;
  try {
    make();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidTriggerError);
  const error = caught as InvalidTriggerError;
  expect(error.code).toBe('ERR_INVALID_TRIGGER');
  expect(error.field).toBe(field);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

const cron = (options: CronTriggerOptions) => () => new CronTrigger({ timezone: 'UTC', ...options });

describe('every trigger rejects options that are not an object', () => {
  it('names the options instead of reading a string character by character', () => {
    // A string's characters used to read as unknown keys: 'Unknown option "0" for the crontab trigger'.
    const bad = [
      () => CronTrigger.fromCrontab('0 12 * * *', 'UTC' as never),
      () => new CronTrigger('0 12 * * *' as never),
      () => new IntervalTrigger('5' as never),
      () => new DateTrigger([1] as never),
      () => new CalendarIntervalTrigger(7 as never),
    ];
    for (const make of bad) expectInvalid(make, 'options', 'Invalid options', 'expected an object with');
  });
});

describe('CronTrigger rejects bad fields, naming the field, quoting the text and saying what is allowed', () => {
  it('out-of-range values', () => {
    expectInvalid(cron({ hour: 25 }), 'hour', '"25"', 'out of range 0-23', 'allowed: 0-23');
    expectInvalid(cron({ day: '32' }), 'day', '"32"', 'out of range 1-31', 'allowed: 1-31');
    expectInvalid(cron({ month: '0-3' }), 'month', '"0-3"', 'out of range 1-12', 'jan-dec');
    expectInvalid(cron({ year: 1969 }), 'year', '"1969"', 'out of range 1970-9999');
    expectInvalid(cron({ week: 54 }), 'week', '"54"', 'out of range 1-53');
    expectInvalid(cron({ dayOfWeek: 8 }), 'dayOfWeek', '"8"', 'out of range 0-7', '0 and 7 are Sunday');
    expectInvalid(cron({ minute: '1,60' }), 'minute', '"1,60"', '60', 'allowed: 0-59');
    expectInvalid(cron({ second: -1 }), 'second', 'expected a non-negative integer or a string');
    expectInvalid(cron({ minute: 1.5 }), 'minute', 'expected a non-negative integer or a string');
  });

  it('zero or oversized steps', () => {
    expectInvalid(cron({ minute: '*/0' }), 'minute', '"*/0"', 'at least 1', 'allowed:');
    expectInvalid(cron({ hour: '*/24' }), 'hour', '"*/24"', 'larger than the span of its range (23)');
    expectInvalid(cron({ minute: '10-20/11' }), 'minute', '"10-20/11"', 'larger than the span');
    expectInvalid(cron({ second: '50/10' }), 'second', '"50/10"', 'larger than the span');
  });

  it('reversed ranges', () => {
    expectInvalid(cron({ hour: '10-5' }), 'hour', '"10-5"', 'runs backwards');
    expectInvalid(cron({ dayOfWeek: 'fri-mon' }), 'dayOfWeek', '"fri-mon"', 'runs backwards', 'fri-sun');
    expectInvalid(cron({ month: 'dec-jan' }), 'month', '"dec-jan"', 'runs backwards');
  });

  it('unknown names and unrecognized expressions', () => {
    expectInvalid(cron({ month: 'janu' }), 'month', '"janu"', 'jan, feb');
    expectInvalid(cron({ dayOfWeek: 'monday' }), 'dayOfWeek', '"monday"', 'sun, mon, tue');
    expectInvalid(cron({ hour: 'noon' }), 'hour', '"noon"', 'not a number');
    expectInvalid(cron({ day: '3rd funday' }), 'day', '"funday"', 'sun, mon');
    expectInvalid(cron({ year: '2009-fault' }), 'year', '"2009-fault"');
    expectInvalid(cron({ minute: '1,,2' }), 'minute', '"1,,2"', 'empty');
    expectInvalid(cron({ minute: '' }), 'minute', 'empty');
    expectInvalid(cron({ hour: '1 - 3 / x' }), 'hour', 'not a recognized expression');
    expectInvalid(cron({ dayOfWeek: 'last' }), 'dayOfWeek', '"last"', 'last fri');
  });

  it('invalid weekday positions (only 1st-5th and last)', () => {
    expectInvalid(cron({ day: '31st fri' }), 'day', '"31st fri"', '1st, 2nd, 3rd, 4th, 5th or last');
    expectInvalid(cron({ day: '6th mon' }), 'day', '"6th"', '1st, 2nd, 3rd, 4th, 5th or last');
    expectInvalid(cron({ dayOfWeek: 'first mon' }), 'dayOfWeek', '"first"');
  });

  it('unknown options, time zones and dates', () => {
    expectInvalid(() => new CronTrigger({ hours: 3 } as CronTriggerOptions), 'hours', 'valid options are');
    expectInvalid(
      cron({ timezone: 'Mars/Olympus_Mons' }),
      'timezone',
      '"Mars/Olympus_Mons"',
      'IANA time zone',
    );
    expectInvalid(cron({ startDate: '2024-02-30' }), 'startDate', '"2024-02-30"');
    expectInvalid(cron({ startDate: '2024-02-02', endDate: '2024-02-01' }), 'endDate', 'before startDate');
    expectInvalid(cron({ jitter: -1 }), 'jitter', 'non-negative');
  });
});

describe('CronTrigger.fromCrontab rejects bad expressions', () => {
  const crontab =
    (expression: string, options = {}) =>
    () =>
      CronTrigger.fromCrontab(expression, { timezone: 'UTC', ...options });

  it('a wrong number of fields', () => {
    expectInvalid(crontab('* * * *'), 'crontab', '"* * * *"', 'has 4 fields', 'expected 5');
    expectInvalid(crontab('* * * * * * * *'), 'crontab', 'has 8 fields');
    expectInvalid(crontab(''), 'crontab', 'has 1 field;');
  });

  it('bad fields, with the position they came from', () => {
    expectInvalid(crontab('60 * * * *'), 'minute', '"60"', 'in crontab "60 * * * *"', 'out of range 0-59');
    expectInvalid(crontab('0 0 32 * *'), 'day', '"32"', 'LW');
    expectInvalid(crontab('0 0 * * 8'), 'dayOfWeek', '"8"', '5#2');
    expectInvalid(crontab('0 0 * * 5#6'), 'dayOfWeek', '"5#6"', 'must be 1-5');
    expectInvalid(crontab('0 0 32W * *'), 'day', '"32w"', 'must be 1-31');
    expectInvalid(crontab('0 0 * * fri-mon'), 'dayOfWeek', 'runs backwards');
    expectInvalid(crontab('? * * * *'), 'minute', 'only allowed for day and weekday');
    expectInvalid(crontab('*/0 * * * *'), 'minute', 'at least 1');
    expectInvalid(crontab('0 0 * * * * 1969'), 'year', 'out of range 1970-9999');
  });

  it('a 6- or 7-field line, saying how each field was read', () => {
    // Six fields start with seconds, so the year the user meant lands in the weekday field.
    expectInvalid(
      crontab('30 10 * * mon-fri 2027'),
      'dayOfWeek',
      '"2027"',
      'out of range 0-7',
      'read as 6 fields: second=30 minute=10 hour=* day=* month=mon-fri dayOfWeek=2027',
      'to give a year, write 7: second minute hour day month weekday year, as in "0 30 10 * * mon-fri 2027"',
    );
    const minute = expectInvalid(
      crontab('0 60 * * * *'),
      'minute',
      '"60"',
      'read as 6 fields: second=0 minute=60 hour=* day=* month=* dayOfWeek=*',
    );
    expect(minute.message).not.toContain('to give a year');
    expectInvalid(
      crontab('0 30 10 * * mon-fri 20x7'),
      'year',
      '"20x7"',
      'read as 7 fields: second=0 minute=30 hour=10 day=* month=* dayOfWeek=mon-fri year=20x7',
    );
    const fiveFields = expectInvalid(crontab('60 * * * *'), 'minute', '"60"');
    expect(fiveFields.message).not.toContain('read as');
  });

  it('an offset from the last day of the month that is not 0-30', () => {
    for (const offset of ['40', '31']) {
      const error = expectInvalid(
        crontab(`0 0 L-${offset} * *`),
        'day',
        `"l-${offset}"`,
        `the offset ${offset} in "l-${offset}" is too large`,
        'L-n means n days before the last day of the month, with n from 0 to 30',
      );
      expect(error.message).not.toContain('not a number');
    }
    expectInvalid(crontab('0 0 L-x * *'), 'day', '"l-x" has no number of days', 'from 0 to 30');
    expectInvalid(crontab('0 0 L- * *'), 'day', '"l-" has no number of days');
  });

  it('unknown nicknames and options', () => {
    expectInvalid(crontab('@reboot'), 'crontab', '"@reboot"', '@daily');
    expectInvalid(crontab('* * * * *', { domAndDow: 'yes' }), 'domAndDow', 'true or false');
    expectInvalid(crontab('* * * * *', { minute: 3 }), 'minute', 'valid options are');
    expectInvalid(crontab('* * * * *', { timezone: 'Nowhere/Land' }), 'timezone', '"Nowhere/Land"');
    expectInvalid(() => CronTrigger.fromCrontab(5 as unknown as string), 'crontab', 'expected a string');
  });
});

describe('other triggers reject bad input', () => {
  it('CalendarIntervalTrigger', () => {
    expectInvalid(
      () => new CalendarIntervalTrigger({}),
      'interval',
      'at least one of years, months, weeks, days',
    );
    expectInvalid(
      () => new CalendarIntervalTrigger({ months: 1.5 }),
      'months',
      '1.5',
      'non-negative integer',
    );
    expectInvalid(() => new CalendarIntervalTrigger({ days: 1, hour: 24 }), 'hour', '24', 'from 0 to 23');
    expectInvalid(() => new CalendarIntervalTrigger({ days: 1, minute: -1 }), 'minute', 'from 0 to 59');
    expectInvalid(
      () => new CalendarIntervalTrigger({ days: 1, timezone: 'Bad/Zone' }),
      'timezone',
      '"Bad/Zone"',
    );
    expectInvalid(
      () =>
        new CalendarIntervalTrigger({
          days: 1,
          startDate: '2024-02-02',
          endDate: '2024-02-01',
          timezone: 'UTC',
        }),
      'endDate',
      'before startDate',
    );
    expectInvalid(() => new CalendarIntervalTrigger({ day: 1 } as never), 'day', 'valid options are');
  });

  it('AndTrigger and OrTrigger', () => {
    expectInvalid(() => new AndTrigger([]), 'triggers', 'non-empty array');
    expectInvalid(() => new OrTrigger('x' as unknown as Trigger[]), 'triggers', 'non-empty array');
    expectInvalid(() => new OrTrigger([{} as Trigger]), 'triggers', 'triggers[0]', 'not a trigger');
    const part = new CronTrigger({ hour: 1, timezone: 'UTC' });
    expectInvalid(() => new AndTrigger([part], { jitter: -2 }), 'jitter', 'non-negative');
    expectInvalid(() => new AndTrigger([part], { jiter: 2 } as never), 'jiter', 'valid options are: jitter');
    expectInvalid(
      () => triggerFactory('or').create({ triggers: [part], extra: 1 }, { timezone: 'UTC' }),
      'extra',
    );
    expectInvalid(() => triggerFromJSON({ type: 'and', version: 1 }), 'triggers', 'no "triggers" array');
    expectInvalid(() => triggerFromJSON({ type: 'cron', version: 2, fields: {} }), 'version', 'version 2');
  });
});
