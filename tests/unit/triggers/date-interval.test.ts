import { describe, expect, it } from 'vitest';
import { DateTrigger, IntervalTrigger, InvalidTriggerError, triggerFromJSON } from '../../../src/index.js';
import { makeScheduler, T0 } from '../scheduler/helpers.js';
import { dateCase, intervalCase } from './trigger-cases.js';
import { runTriggerSuite } from './trigger.suite.js';

runTriggerSuite(dateCase);
runTriggerSuite(intervalCase);

const d = (iso: string) => new Date(iso);

describe('DateTrigger', () => {
  it('fires once at its run date, even one in the past', () => {
    const trigger = new DateTrigger({ runDate: d('2026-03-01T10:00:00Z') });
    expect(trigger.getNextFireTime(null, d('2026-01-01T00:00:00Z'))).toEqual(d('2026-03-01T10:00:00Z'));
    expect(trigger.getNextFireTime(null, d('2027-01-01T00:00:00Z'))).toEqual(d('2026-03-01T10:00:00Z'));
    expect(trigger.getNextFireTime(d('2026-03-01T10:00:00Z'), d('2026-03-01T10:00:00Z'))).toBeNull();
  });

  it('reads naive dates in its zone, ISO strings with offsets and epoch milliseconds', () => {
    expect(new DateTrigger({ runDate: '2020-12-12 15:30', timezone: 'Asia/Shanghai' }).runDate).toEqual(
      d('2020-12-12T07:30:00Z'),
    );
    expect(new DateTrigger({ runDate: '2009-11-06 16:30:05', timezone: 'Europe/Berlin' }).runDate).toEqual(
      d('2009-11-06T15:30:05Z'),
    );
    expect(new DateTrigger({ runDate: '2019-04-15', timezone: 'UTC' }).runDate).toEqual(
      d('2019-04-15T00:00:00Z'),
    );
    expect(new DateTrigger({ runDate: '2026-06-01T12:00:00+02:00' }).runDate).toEqual(
      d('2026-06-01T10:00:00Z'),
    );
    expect(new DateTrigger({ runDate: 0 }).runDate).toEqual(new Date(0));
  });

  it('reads a wall time in a spring-forward gap with the offset before the gap', () => {
    // 2026-03-29 02:30 does not exist in Berlin; it is read as 03:30 CEST.
    expect(new DateTrigger({ runDate: '2026-03-29 02:30', timezone: 'Europe/Berlin' }).runDate).toEqual(
      d('2026-03-29T01:30:00Z'),
    );
    // 2026-10-25 02:30 happens twice; the first (CEST) is used.
    expect(new DateTrigger({ runDate: '2026-10-25 02:30', timezone: 'Europe/Berlin' }).runDate).toEqual(
      d('2026-10-25T00:30:00Z'),
    );
  });

  it('refuses impossible dates with the field named', () => {
    for (const runDate of ['2026-02-30', '2026-13-01', 'soon', '2026-01-01 25:00', new Date(NaN)]) {
      const error = (() => {
        try {
          new DateTrigger({ runDate });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidTriggerError);
      expect((error as InvalidTriggerError).field).toBe('runDate');
    }
  });

  // The JSON round trip of every trigger is in the trigger suite (trigger.suite.ts).
  it('reads well, and its JSON form has a version', () => {
    const trigger = new DateTrigger({ runDate: '2026-12-12 15:30:00', timezone: 'Asia/Shanghai' });
    expect(trigger.toJSON()).toMatchObject({ type: 'date', version: 1 });
    expect(trigger.toString()).toBe('date[2026-12-12 15:30:00 Asia/Shanghai]');
  });
});

describe('IntervalTrigger', () => {
  it('adds up its units and starts one interval after now without a start date', () => {
    const trigger = new IntervalTrigger({ hours: 1, minutes: 30, seconds: 15, milliseconds: 500 });
    expect(trigger.intervalMs).toBe(5_415_500);
    expect(trigger.getNextFireTime(null, d('2026-01-01T00:00:00Z'))).toEqual(d('2026-01-01T01:30:15.500Z'));
    expect(trigger.getNextFireTime(d('2026-01-01T01:30:15.500Z'), d('2026-01-01T01:30:15.500Z'))).toEqual(
      d('2026-01-01T03:00:31Z'),
    );
    expect(trigger.toString()).toBe('interval[1:30:15.500]');
    expect(new IntervalTrigger({ weeks: 1, days: 1 }).toString()).toBe('interval[8 days, 0:00:00]');
  });

  it('aligns to its start date and stops after its end date (inclusive)', () => {
    const trigger = new IntervalTrigger({
      minutes: 10,
      startDate: '2026-01-01 00:05',
      endDate: '2026-01-01 01:05',
      timezone: 'UTC',
    });
    expect(trigger.getNextFireTime(null, d('2025-12-31T00:00:00Z'))).toEqual(d('2026-01-01T00:05:00Z'));
    expect(trigger.getNextFireTime(null, d('2026-01-01T00:31:00Z'))).toEqual(d('2026-01-01T00:35:00Z'));
    expect(trigger.getNextFireTime(null, d('2026-01-01T00:35:00Z'))).toEqual(d('2026-01-01T00:35:00Z'));
    expect(trigger.getNextFireTime(d('2026-01-01T00:55:00Z'), d('2026-01-01T00:55:00Z'))).toEqual(
      d('2026-01-01T01:05:00Z'),
    );
    expect(trigger.getNextFireTime(d('2026-01-01T01:05:00Z'), d('2026-01-01T01:05:00Z'))).toBeNull();
  });

  it('counts elapsed time across DST: 24 hours stay 24 real hours', () => {
    const trigger = new IntervalTrigger({
      hours: 24,
      startDate: '2026-03-28 12:00',
      timezone: 'Europe/Berlin',
    });
    const first = trigger.getNextFireTime(null, d('2026-03-01T00:00:00Z'))!;
    const second = trigger.getNextFireTime(first, first)!;
    expect(first).toEqual(d('2026-03-28T11:00:00Z')); // 12:00 CET
    expect(second.getTime() - first.getTime()).toBe(86_400_000); // 13:00 CEST on the wall
  });

  it('reads well with start, end and jitter', () => {
    const trigger = new IntervalTrigger({
      seconds: 30,
      startDate: '2026-01-01T00:00:00Z',
      endDate: '2026-02-01T00:00:00Z',
      jitter: 2,
      timezone: 'Europe/Berlin',
    });
    expect(trigger.toString()).toBe(
      'interval[0:00:30, start=2026-01-01 01:00:00 Europe/Berlin, end=2026-02-01 01:00:00 Europe/Berlin, jitter=2s]',
    );
  });

  it('refuses a negative jitter and a bad version', () => {
    expect(() => new IntervalTrigger({ seconds: 1, jitter: -1 })).toThrow(InvalidTriggerError);
    expect(() => triggerFromJSON({ type: 'interval', version: 99, intervalMs: 1000 })).toThrow(/version 99/);
    expect(() => triggerFromJSON({ type: 'sundial', version: 1 })).toThrow(/sundial/);
  });
});

describe('jitter', () => {
  it('jitters each run from its unjittered time, so it never accumulates', async () => {
    const { clock, scheduler } = makeScheduler();
    const fired: number[] = [];
    await scheduler.addJob(
      () => fired.push(clock.now() - T0),
      new IntervalTrigger({ seconds: 10, jitter: 3 }),
    );
    await scheduler.start();
    await clock.advance(1000 * 1000 + 5000);
    await scheduler.shutdown();
    expect(fired).toHaveLength(100);
    fired.forEach((time, i) => {
      const base = (i + 1) * 10_000;
      expect(time).toBeGreaterThanOrEqual(base);
      expect(time).toBeLessThanOrEqual(base + 3000);
    });
    expect(new Set(fired.map((time) => time % 10_000)).size).toBeGreaterThan(10);
  });
});

describe('DateTrigger inside an OrTrigger', () => {
  it('fires its date strictly after an earlier previous fire time', async () => {
    const { OrTrigger, CronTrigger } = await import('../../../src/index.js');
    const trigger = new OrTrigger([
      new DateTrigger({ runDate: d('2026-01-01T00:00:05Z') }),
      new CronTrigger({ second: '*/2', timezone: 'UTC' }),
    ]);
    const times: number[] = [];
    let previous: Date | null = null;
    for (let i = 0; i < 5; i++) {
      previous = trigger.getNextFireTime(previous, d('2026-01-01T00:00:00Z'));
      times.push(previous!.getUTCSeconds());
    }
    expect(times).toEqual([0, 2, 4, 5, 6]);
    expect(
      new DateTrigger({ runDate: d('2026-01-01T00:00:05Z') }).getNextFireTime(
        d('2026-01-01T00:00:04Z'),
        d('2026-01-01T00:00:00Z'),
      ),
    ).toEqual(d('2026-01-01T00:00:05Z'));
  });
});

describe('IntervalTrigger grid', () => {
  it('returns the next point of its start-date grid strictly after any previous time', () => {
    const trigger = new IntervalTrigger({ minutes: 10, startDate: d('2026-01-01T00:00:00Z') });
    const now = d('2026-01-01T00:00:00Z');
    expect(trigger.getNextFireTime(d('2026-01-01T00:10:00Z'), now)).toEqual(d('2026-01-01T00:20:00Z'));
    expect(trigger.getNextFireTime(d('2026-01-01T00:13:20Z'), now)).toEqual(d('2026-01-01T00:20:00Z'));
    expect(trigger.getNextFireTime(d('2025-12-31T00:00:00Z'), now)).toEqual(d('2026-01-01T00:00:00Z'));
  });
});
