import { describe, expect, it } from 'vitest';
import { InvalidTriggerError } from '../../../src/errors.js';
import { CronTrigger } from '../../../src/triggers/cron-trigger.js';
import type { Trigger } from '../../../src/triggers/trigger.js';
import { T0 } from '../../helpers/time.js';
import { fireTimes } from './helpers.js';

// Every weekday range that touches Sunday, in both forms: which weekdays (0 = Sunday) it fires on.
// `sun` ends a range as 7 only when the range starts after Sunday; numbers mean what they say.
const CASES: [string, number[]][] = [
  ['sun-sun', [0]],
  ['0-0', [0]],
  ['7-7', [0]],
  ['0-sun', [0]],
  ['7-sun', [0]],
  ['sun-sun,wed', [0, 3]],
  ['0-7', [0, 1, 2, 3, 4, 5, 6]],
  ['sun-7', [0, 1, 2, 3, 4, 5, 6]],
  ['sun-sat', [0, 1, 2, 3, 4, 5, 6]],
  ['mon-sun', [0, 1, 2, 3, 4, 5, 6]],
  ['sat-sun', [0, 6]],
  ['6-7', [0, 6]],
  ['fri-sun', [0, 5, 6]],
  ['5-7', [0, 5, 6]],
  ['sun-tue', [0, 1, 2]],
  ['0-2', [0, 1, 2]],
  ['0-7/2', [0, 2, 4, 6]],
  ['sun-sat/2', [0, 2, 4, 6]],
  ['*/2', [0, 2, 4, 6]],
  ['sun/3', [0, 3, 6]],
  ['0-7/7', [0]],
  ['mon-sun/2', [0, 1, 3, 5]],
  ['fri-sun/2', [0, 5]],
  ['5-7/2', [0, 5]],
  ['sun-tue/2', [0, 2]],
];

/** The weekdays a trigger firing at noon fires on, over the four weeks from T0. */
function weekdays(trigger: Trigger): number[] {
  const times = fireTimes(trigger, new Date(T0), 28).filter((time) => time.getTime() < T0 + 28 * 86_400_000);
  for (const time of times) expect(time.getUTCHours()).toBe(12);
  return [...new Set(times.map((time) => time.getUTCDay()))].sort((a, b) => a - b);
}

const fields = (dayOfWeek: string) => new CronTrigger({ dayOfWeek, hour: 12, timezone: 'UTC' });
const crontab = (dayOfWeek: string) => CronTrigger.fromCrontab(`0 12 * * ${dayOfWeek}`, { timezone: 'UTC' });

describe('weekday ranges that touch Sunday', () => {
  it.each(CASES)('dayOfWeek %s fires on weekdays %j in the field form', (text, expected) => {
    expect(weekdays(fields(text))).toEqual(expected);
  });

  it.each(CASES)('dayOfWeek %s fires on weekdays %j in a crontab', (text, expected) => {
    expect(weekdays(crontab(text))).toEqual(expected);
  });

  it('fires sun-sun once a week, on Sunday, every week', () => {
    const times = fireTimes(crontab('sun-sun'), '2026-01-01T00:00:00Z', 3).map((t) => t.toISOString());
    expect(times).toEqual([
      '2026-01-04T12:00:00.000Z',
      '2026-01-11T12:00:00.000Z',
      '2026-01-18T12:00:00.000Z',
    ]);
  });

  // Ranges never wrap around the end of the week: a range that would is refused, with a hint.
  it.each(['6-0', 'sat-mon', 'fri-mon', '7-0', '7-1'])('refuses the wrapping range %s', (text) => {
    for (const make of [fields, crontab]) {
      const error = catchError(() => make(text));
      expect(error).toBeInstanceOf(InvalidTriggerError);
      expect(error.field).toBe('dayOfWeek');
      expect(error.message).toContain(`the range "${text}" runs backwards`);
      expect(error.message).toContain('do not wrap around the week');
      expect(error.message).toContain('fri-sun, 5-7');
    }
  });

  // A one-day range has a span of 0, so any step is larger than it (APScheduler's rule).
  it.each(['sun-sun/1', '0-0/2', 'sat-sun/2'])('refuses the step in %s', (text) => {
    for (const make of [fields, crontab]) {
      const error = catchError(() => make(text));
      expect(error).toBeInstanceOf(InvalidTriggerError);
      expect(error.message).toContain('larger than the span of its range');
    }
  });
});

function catchError(make: () => unknown): InvalidTriggerError {
  try {
    make();
  } catch (error) {
    return error as InvalidTriggerError;
  }
  throw new Error('expected an InvalidTriggerError');
}
