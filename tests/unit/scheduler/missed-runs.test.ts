// Issue 11: a run dropped for being too late says so in words a person reads, with its date.
import { describe, expect, it } from 'vitest';
import { EVENT_JOB_MISSED, silentLogger } from '../../../src/index.js';
import { durationInWords } from '../../../src/scheduler/duration-words.js';
import { T0, useSchedulers } from './helpers.js';

const setup = useSchedulers();

describe('a missed run', () => {
  it('is logged with its date and how late it was in words, not in milliseconds', async () => {
    const warnings: string[] = [];
    const { clock, scheduler, events } = setup({
      logger: { ...silentLogger, warn: (message: string) => warnings.push(message) },
    });
    await scheduler.addJob(() => undefined, 'date', {
      runDate: '2020-01-01T00:00:00Z',
      id: 'old',
      name: 'report',
    });
    await scheduler.addJob(() => undefined, 'date', { runDate: new Date(T0 - 90_000), id: 'recent' });
    await scheduler.start();
    await clock.advance(0);
    expect(events.filter((event) => event.code === EVENT_JOB_MISSED)).toHaveLength(2);
    expect(warnings).toEqual([
      'Job "report" (id old) missed its run time 2020-01-01T00:00:00.000Z by 6 years (misfireGraceTime 1 s); that run is skipped',
      `Job "recent" (id recent) missed its run time ${new Date(T0 - 90_000).toISOString()} by 1 minute 30 seconds (misfireGraceTime 1 s); that run is skipped`,
    ]);
  });
});

describe('durationInWords', () => {
  it('gives the two largest units', () => {
    const cases: [number, string][] = [
      [250, '250 ms'],
      [1500, '1.5 seconds'],
      [60_000, '1 minute'],
      [3_723_000, '1 hour 2 minutes'],
      [86_400_000 * 2 + 3_600_000, '2 days 1 hour'],
      [218_708_847_408, '6 years 11 months'],
      [86_400_000 * 365.2425 * 2531, '2,531 years'],
    ];
    expect(cases.map(([ms]) => durationInWords(ms))).toEqual(cases.map(([, words]) => words));
  });
});
