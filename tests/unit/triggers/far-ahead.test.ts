import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFieldForm, type CronFieldValues } from '../../../src/triggers/cron/field-form.js';
import { CronSchedule } from '../../../src/triggers/cron/schedule.js';
import { CronTrigger } from '../../../src/triggers/cron-trigger.js';
import { T0 } from '../../helpers/time.js';
import { countingRules, local } from './helpers.js';
import { ZONES as TRIGGER_ZONES } from './trigger-cases.js';

describe('a fire time far ahead', () => {
  // Before the search jumped over the years between, it learnt the zone's offsets for every one of
  // them: about 110 Intl calls per 200 days (15,000 for 2100, 1.5 million for 9999; 7-12 s).
  // Now it looks only near the start and near the match: a few hundred calls however far.
  it.each([2100, 2500, 9999])(
    'asks Intl about the zone only near the start and the match (year %i)',
    (year) => {
      const { rules, calls } = countingRules('Europe/Berlin');
      const schedule = new CronSchedule(parseFieldForm({ year }).spec);
      // 1 January 00:00 in Berlin is 31 December 23:00 UTC, in winter time in every year.
      expect(schedule.nextInstant(rules, T0)).toBe(Date.UTC(year - 1, 11, 31, 23));
      expect(calls()).toBeLessThan(2_500);
    },
  );

  it('is exact at DST changes in a far year (Europe/Berlin, 9000)', () => {
    const berlin = (fields: CronFieldValues) =>
      new CronTrigger({ ...fields, timezone: 'Europe/Berlin' }).getNextFireTime(null, new Date(T0));
    // 30 March 9000 is the last Sunday of March: 02:30 does not exist and moves to 03:30.
    expect(
      local(berlin({ year: 9000, month: 3, day: 'last sun', hour: 2, minute: 30 }), 'Europe/Berlin'),
    ).toBe('9000-03-30 03:30:00+02:00');
    // 26 October 9000: 02:30 occurs twice and fires at its first occurrence.
    expect(
      local(berlin({ year: 9000, month: 10, day: 'last sun', hour: 2, minute: 30 }), 'Europe/Berlin'),
    ).toBe('9000-10-26 02:30:00+02:00');
    expect(local(berlin({ year: 9000, month: 10, day: 26, hour: 3 }), 'Europe/Berlin')).toBe(
      '9000-10-26 03:00:00+01:00',
    );
    expect(local(berlin({ year: 9000, month: 7 }), 'Europe/Berlin')).toBe('9000-07-01 00:00:00+02:00');
  });

  // The zones that change their clocks (this test walks their transitions).
  const ZONES = TRIGGER_ZONES.filter((zone) => zone !== 'UTC' && zone !== 'America/Sao_Paulo');

  // The answer found by jumping must be the one found by a search that starts just before it, which
  // walks every transition on its way; and its wall time, read by Intl, must match the fields.
  it('agrees with a search started just before the match, in any zone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 1980, max: 2100 }),
        fc.integer({ min: 5, max: 7000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.oneof(fc.integer({ min: 1, max: 28 }), fc.constantFrom('last sun', 'last', '1st sun')),
        fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constant('*')),
        fc.constantFrom(0, 15, 30, 45),
        fc.integer({ min: 1, max: 3 * 86_400 }),
        (zone, startYear, ahead, month, day, hour, minute, backSeconds) => {
          const year = Math.min(9999, startYear + ahead);
          const fields = { year, month, day, hour, minute, timezone: zone };
          const trigger = new CronTrigger(fields);
          const start = new Date(Date.UTC(startYear, 0, 1));
          const fire = trigger.getNextFireTime(null, start);
          if (fire === null) return; // e.g. no day 29 in that February; nothing to compare
          const near = new Date(Math.max(start.getTime(), fire.getTime() - backSeconds * 1000));
          expect(trigger.getNextFireTime(null, near)).toEqual(fire);
          const wall = local(fire, zone) as string;
          expect(Number(wall.slice(0, 4))).toBe(year);
          expect(Number(wall.slice(5, 7))).toBe(month);
          if (typeof day === 'number') expect(Number(wall.slice(8, 10))).toBe(day);
        },
      ),
      { numRuns: 150 },
    );
  });
});
