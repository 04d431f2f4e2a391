import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CronTrigger, type CronTriggerOptions } from '../../../src/triggers/cron-trigger.js';
import { fireTimes } from './helpers.js';

interface Case {
  fields: CronTriggerOptions;
  timezone: string;
  start: string;
  expected: string[];
}

/**
 * Fire times computed by APScheduler 3 (tests/data/gen_apscheduler_cases.py): random expressions
 * written so that both libraries read them alike (weekdays by name, zones without DST).
 */
const data = JSON.parse(
  readFileSync(new URL('../../data/apscheduler-cron-cases.json', import.meta.url), 'utf8'),
) as {
  apscheduler: string;
  cases: Case[];
};

describe(`CronTrigger agrees with APScheduler ${data.apscheduler}`, () => {
  it(`on ${data.cases.length} random expressions`, () => {
    expect(data.cases.length).toBeGreaterThanOrEqual(300);
    for (const { fields, timezone, start, expected } of data.cases) {
      const trigger = new CronTrigger({ ...fields, timezone });
      const actual = fireTimes(trigger, start, expected.length + (expected.length < 6 ? 1 : 0)).map((date) =>
        date.toISOString().replace('.000Z', 'Z'),
      );
      expect(actual, `${trigger} in ${timezone} from ${start}`).toEqual(expected);
    }
  });
});
