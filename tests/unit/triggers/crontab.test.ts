import { describe, expect, it } from 'vitest';
import { CronTrigger, type CrontabOptions } from '../../../src/triggers/cron-trigger.js';
import { triggerFromJSON } from '../../../src/triggers/registry.js';
import { fireTimes, iso } from './helpers.js';
import { crontabCase } from './trigger-cases.js';
import { runTriggerSuite } from './trigger.suite.js';

runTriggerSuite(crontabCase);

const next = (expression: string, start: string, count = 3, options: CrontabOptions = {}) =>
  iso(fireTimes(CronTrigger.fromCrontab(expression, { timezone: 'UTC', ...options }), start, count)).map(
    (s) => s.replace('.000Z', 'Z'),
  );

describe('CronTrigger.fromCrontab', () => {
  it('reads 5 fields: minute hour day month weekday', () => {
    expect(next('*/5 * * * *', '2024-01-01T00:01:00Z')).toEqual([
      '2024-01-01T00:05:00Z',
      '2024-01-01T00:10:00Z',
      '2024-01-01T00:15:00Z',
    ]);
    expect(next('0 9 * * 1-5', '2024-01-05T10:00:00Z')).toEqual([
      '2024-01-08T09:00:00Z',
      '2024-01-09T09:00:00Z',
      '2024-01-10T09:00:00Z',
    ]);
    expect(next('15 14 1 * *', '2024-01-05T10:00:00Z', 2)).toEqual([
      '2024-02-01T14:15:00Z',
      '2024-03-01T14:15:00Z',
    ]);
    expect(next('0 22 * * 1-5', '2024-01-05T23:00:00Z', 1)).toEqual(['2024-01-08T22:00:00Z']);
    expect(next('23 0-20/2 * * *', '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-01T00:23:00Z',
      '2024-01-01T02:23:00Z',
      '2024-01-01T04:23:00Z',
    ]);
    expect(next('5 4 * * sun', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T04:05:00Z']);
    expect(next('0 0 1 JAN,jul *', '2024-01-02T00:00:00Z', 2)).toEqual([
      '2024-07-01T00:00:00Z',
      '2025-01-01T00:00:00Z',
    ]);
  });

  it('reads 6 fields with seconds first and 7 with a trailing year', () => {
    expect(next('*/10 * * * * *', '2024-01-01T00:00:01Z')).toEqual([
      '2024-01-01T00:00:10Z',
      '2024-01-01T00:00:20Z',
      '2024-01-01T00:00:30Z',
    ]);
    expect(next('30 0 12 * * *', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-01T12:00:30Z']);
    expect(next('0 0 12 1 1 * 2030-2031', '2024-01-01T00:00:00Z')).toEqual([
      '2030-01-01T12:00:00Z',
      '2031-01-01T12:00:00Z',
    ]);
  });

  it('reads nicknames', () => {
    const start = '2024-01-10T10:30:00Z';
    expect(next('@yearly', start, 1)).toEqual(['2025-01-01T00:00:00Z']);
    expect(next('@annually', start, 1)).toEqual(['2025-01-01T00:00:00Z']);
    expect(next('@monthly', start, 1)).toEqual(['2024-02-01T00:00:00Z']);
    expect(next('@weekly', start, 1)).toEqual(['2024-01-14T00:00:00Z']);
    expect(next('@daily', start, 1)).toEqual(['2024-01-11T00:00:00Z']);
    expect(next('@midnight', start, 1)).toEqual(['2024-01-11T00:00:00Z']);
    expect(next('@HOURLY', start, 1)).toEqual(['2024-01-10T11:00:00Z']);
  });

  it('reads L, LW and nW in the day field', () => {
    expect(next('0 0 L * *', '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-31T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2024-03-31T00:00:00Z',
    ]);
    // Last weekday: 2024-03-31 is a Sunday, 2024-08-31 a Saturday.
    expect(next('0 0 LW 3,8 *', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-03-29T00:00:00Z',
      '2024-08-30T00:00:00Z',
    ]);
    // Nearest weekday to the 15th: Sat 2024-06-15 -> Fri 14th; Sun 2024-09-15 -> Mon 16th; Mon 2024-01-15 itself.
    expect(next('0 0 15W 1,6,9 *', '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-15T00:00:00Z',
      '2024-06-14T00:00:00Z',
      '2024-09-16T00:00:00Z',
    ]);
    // 1W never leaves the month: Sat 2024-06-01 -> Mon 3rd. 31W on Sun 2024-03-31 -> Fri 29th.
    expect(next('0 0 1W 6 *', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-06-03T00:00:00Z']);
    expect(next('0 0 31W 3 *', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-03-29T00:00:00Z']);
  });

  it('reads L-n as n days before the last day, skipping months too short for it', () => {
    expect(next('0 0 L-3 * *', '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-28T00:00:00Z',
      '2024-02-26T00:00:00Z',
      '2024-03-28T00:00:00Z',
    ]);
    expect(next('0 0 L-0 * *', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-31T00:00:00Z']);
    // Only a 31-day month has a day 30 days before its last: the 1st of January, March, May...
    expect(next('0 0 l-30 * *', '2024-01-02T00:00:00Z', 2)).toEqual([
      '2024-03-01T00:00:00Z',
      '2024-05-01T00:00:00Z',
    ]);
    // Both day fields restricted: ORed, so the 3rd to last day and every Monday.
    expect(next('0 0 L-2 * mon', '2024-01-27T00:00:00Z', 3)).toEqual([
      '2024-01-29T00:00:00Z',
      '2024-02-05T00:00:00Z',
      '2024-02-12T00:00:00Z',
    ]);
  });

  it('reads nL and n#k in the weekday field, with cron numbering', () => {
    expect(next('0 0 * * 5L', '2024-01-01T00:00:00Z')).toEqual([
      '2024-01-26T00:00:00Z',
      '2024-02-23T00:00:00Z',
      '2024-03-29T00:00:00Z',
    ]);
    expect(next('0 12 * * 5#2', '2024-10-26T00:00:00Z')).toEqual([
      '2024-11-08T12:00:00Z',
      '2024-12-13T12:00:00Z',
      '2025-01-10T12:00:00Z',
    ]);
    expect(next('0 0 * * 0#1', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T00:00:00Z']);
    expect(next('0 0 * * 7#1', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-07T00:00:00Z']);
    expect(next('0 0 * * mon#5', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-29T00:00:00Z',
      '2024-04-29T00:00:00Z',
    ]);
  });

  it('ORs day of month and day of week when both are restricted (Vixie cron)', () => {
    // The 13th and every Friday.
    expect(next('0 0 13 * 5', '2024-09-01T00:00:00Z', 4)).toEqual([
      '2024-09-06T00:00:00Z',
      '2024-09-13T00:00:00Z',
      '2024-09-20T00:00:00Z',
      '2024-09-27T00:00:00Z',
    ]);
    expect(next('0 0 1 * 5#2', '2024-10-26T00:00:00Z', 3)).toEqual([
      '2024-11-01T00:00:00Z',
      '2024-11-08T00:00:00Z',
      '2024-12-01T00:00:00Z',
    ]);
    // A field starting with * or ? is unrestricted, so the other one decides alone (ANDed).
    expect(next('0 0 */2 * 1', '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-01-01T00:00:00Z',
      '2024-01-15T00:00:00Z',
      '2024-01-29T00:00:00Z',
    ]);
    expect(next('0 0 ? * 1', '2024-01-02T00:00:00Z', 1)).toEqual(['2024-01-08T00:00:00Z']);
    expect(next('0 0 13 * ?', '2024-01-02T00:00:00Z', 1)).toEqual(['2024-01-13T00:00:00Z']);
  });

  it('ANDs them with domAndDow: true', () => {
    expect(next('0 0 13 * 5', '2024-01-01T00:00:00Z', 2, { domAndDow: true })).toEqual([
      '2024-09-13T00:00:00Z',
      '2024-12-13T00:00:00Z',
    ]);
  });

  it('prints and serializes the crontab form', () => {
    const trigger = CronTrigger.fromCrontab(' 0  12 * *   5#2 ', {
      timezone: 'Europe/Berlin',
      domAndDow: true,
      jitter: 2,
    });
    expect(trigger.toString()).toBe("cron[crontab='0 12 * * 5#2', domAndDow, jitter=2s]");
    const json = JSON.parse(JSON.stringify(trigger.toJSON()));
    expect(json).toEqual({
      type: 'cron',
      version: 1,
      crontab: '0 12 * * 5#2',
      domAndDow: true,
      startDate: null,
      endDate: null,
      timezone: 'Europe/Berlin',
      jitter: 2,
    });
    expect(triggerFromJSON(json).toJSON()).toEqual(json);
    const plain = CronTrigger.fromCrontab('@daily', {
      timezone: 'UTC',
      startDate: '2024-01-01',
      endDate: '2024-01-03',
    });
    expect(fireTimes(triggerFromJSON(plain.toJSON()), '2023-01-01T00:00:00Z', 10)).toHaveLength(3);
  });

  it('takes the zone from the defaults, like the field form', () => {
    const trigger = CronTrigger.fromCrontab('0 9 * * *', {}, { timezone: 'Asia/Tokyo' });
    expect(trigger.timezone).toBe('Asia/Tokyo');
    expect(trigger.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
  });
});
