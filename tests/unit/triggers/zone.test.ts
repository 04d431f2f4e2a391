import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTriggerError } from '../../../src/errors.js';
import { CronTrigger } from '../../../src/triggers/cron-trigger.js';
import {
  assertTimeZone,
  fromWallTime,
  isValidTimeZone,
  offsetAt,
  systemTimeZone,
  toWallTime,
  zoneRules,
} from '../../../src/time/zone.js';
import { T0 } from '../../helpers/time.js';
import { wallOf } from './cron-reference.js';
import { countingRules, local } from './helpers.js';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Chatham',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Africa/Casablanca',
  'Pacific/Apia',
  'Pacific/Kiritimati',
  'America/St_Johns',
  'Africa/Monrovia',
  'Europe/London',
  'UTC',
];

/** The offset straight from Intl, for comparison. */
function intlOffset(epochMs: number, timeZone: string): number {
  const w = wallOf(epochMs, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(epochMs / 1000) * 1000;
}

describe('zone offsets', () => {
  it('agree with Intl at random instants, 1900-2100', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1900, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 }),
        (zone, seconds) => {
          expect(offsetAt(zone, seconds * 1000)).toBe(intlOffset(seconds * 1000, zone));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agree with Intl on both sides of every transition, to the second', () => {
    for (const zone of ZONES) {
      const rules = zoneRules(zone);
      let t = Date.UTC(2010, 0, 1);
      for (let transition = rules.transitionAfter(t, Date.UTC(2030, 0, 1)); transition !== null;) {
        expect(
          intlOffset(transition.at - 1000, zone),
          `${zone} before ${new Date(transition.at).toISOString()}`,
        ).toBe(transition.before);
        expect(intlOffset(transition.at, zone), `${zone} at ${new Date(transition.at).toISOString()}`).toBe(
          transition.after,
        );
        expect(offsetAt(zone, transition.at - 1)).toBe(transition.before);
        expect(offsetAt(zone, transition.at)).toBe(transition.after);
        t = transition.at;
        transition = rules.transitionAfter(t, Date.UTC(2030, 0, 1));
      }
    }
  });

  it('find the 2024 transitions of the DST test zones', () => {
    const found = (zone: string) => {
      const rules = zoneRules(zone);
      const out: string[] = [];
      let t = Date.UTC(2024, 0, 1);
      for (
        let tr = rules.transitionAfter(t, Date.UTC(2025, 0, 1));
        tr !== null;
        tr = rules.transitionAfter(t, Date.UTC(2025, 0, 1))
      ) {
        out.push(`${new Date(tr.at).toISOString()} ${tr.before / 60_000}->${tr.after / 60_000}`);
        t = tr.at;
      }
      return out;
    };
    expect(found('Europe/Berlin')).toEqual([
      '2024-03-31T01:00:00.000Z 60->120',
      '2024-10-27T01:00:00.000Z 120->60',
    ]);
    expect(found('Australia/Lord_Howe')).toEqual([
      '2024-04-06T15:00:00.000Z 660->630',
      '2024-10-05T15:30:00.000Z 630->660',
    ]);
    expect(found('America/Santiago')).toEqual([
      '2024-04-07T03:00:00.000Z -180->-240',
      '2024-09-08T04:00:00.000Z -240->-180',
    ]);
    expect(found('Asia/Kolkata')).toEqual([]);
    expect(
      zoneRules('Europe/Berlin').transitionAtOrBefore(Date.UTC(2024, 5, 1), Date.UTC(2024, 0, 1))?.at,
    ).toBe(Date.UTC(2024, 2, 31, 1));
  });

  it('handle Samoa skipping 30 December 2011', () => {
    expect(offsetAt('Pacific/Apia', Date.UTC(2011, 11, 30, 9, 59, 59)) / 3_600_000).toBe(-10);
    expect(offsetAt('Pacific/Apia', Date.UTC(2011, 11, 30, 10)) / 3_600_000).toBe(14);
    const daily = new CronTrigger({ hour: 12, timezone: 'Pacific/Apia' });
    let previous: Date | null = null;
    const days: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      previous = daily.getNextFireTime(previous, new Date('2011-12-28T00:00:00Z'));
      days.push(local(previous, 'Pacific/Apia')?.slice(0, 10));
    }
    expect(days).toEqual(['2011-12-28', '2011-12-29', '2011-12-31']);
  });

  it('are computed without calling Intl per query', () => {
    // Counted, not timed: a loaded machine makes any time bound either loose or flaky.
    // Sao Paulo has kept -03:00 all year since 2019.
    const { rules, calls } = countingRules('America/Sao_Paulo');
    rules.offsetAt(T0);
    const learnt = calls();
    let sum = 0;
    for (let i = 0; i < 200_000; i++) sum += rules.offsetAt(T0 + (i % 1000) * 60_000);
    expect(sum).toBe(200_000 * -3 * 3_600_000);
    expect(calls()).toBe(learnt);
  });
});

describe('wall times', () => {
  it('round-trip through fromWallTime and toWallTime where the wall time exists once', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1970, 0, 1) / 60_000, max: Date.UTC(2080, 0, 1) / 60_000 }),
        (zone, minutes) => {
          const instant = minutes * 60_000;
          const wall = toWallTime(zone, instant);
          const back = fromWallTime(zone, wall);
          // `back` is the first instant showing this wall time: the same one, or one a DST shift earlier.
          expect(toWallTime(zone, back)).toEqual(wall);
          expect(back).toBeLessThanOrEqual(instant);
          expect(instant - back).toBeLessThanOrEqual(2 * 3_600_000);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("read a time in a gap with the offset before it, and a repeated time at its first occurrence ('compatible')", () => {
    const wall = (year: number, month: number, day: number, hour: number, minute: number) => ({
      year,
      month,
      day,
      hour,
      minute,
      second: 0,
      millisecond: 0,
    });
    expect(local(new Date(fromWallTime('Europe/Berlin', wall(2024, 3, 31, 2, 30))), 'Europe/Berlin')).toBe(
      '2024-03-31 03:30:00+02:00',
    );
    expect(local(new Date(fromWallTime('Europe/Berlin', wall(2024, 10, 27, 2, 30))), 'Europe/Berlin')).toBe(
      '2024-10-27 02:30:00+02:00',
    );
    expect(
      local(new Date(fromWallTime('Australia/Lord_Howe', wall(2024, 10, 6, 2, 15))), 'Australia/Lord_Howe'),
    ).toBe('2024-10-06 02:45:00+11:00');
    expect(
      local(new Date(fromWallTime('America/Santiago', wall(2024, 9, 8, 0, 0))), 'America/Santiago'),
    ).toBe('2024-09-08 01:00:00-03:00');
    expect(
      local(new Date(fromWallTime('America/Santiago', wall(2024, 4, 6, 23, 30))), 'America/Santiago'),
    ).toBe('2024-04-06 23:30:00-03:00');
    expect(local(new Date(fromWallTime('Pacific/Apia', wall(2011, 12, 30, 12, 0))), 'Pacific/Apia')).toBe(
      '2011-12-31 12:00:00+14:00',
    );
  });
});

describe('zone names', () => {
  it('validate', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Etc/UTC')).toBe(true);
    expect(isValidTimeZone('Not/AZone')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(assertTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(() => assertTimeZone('Not/AZone')).toThrow(InvalidTriggerError);
    expect(() => assertTimeZone(42, 'zone')).toThrow(/Invalid zone 42/);
    expect(isValidTimeZone(systemTimeZone())).toBe(true);
  });
});
