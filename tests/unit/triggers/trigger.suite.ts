// One suite for the Trigger contract (src/triggers/trigger.ts), run for every trigger type with
// fast-check: `runTriggerSuite(intervalCase)`, where the case gives an arbitrary of the trigger's
// options and makes the trigger from them (see trigger-cases.ts). A property that does not hold for a
// trigger by design is left out for it, with the reason in its case's `skip`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, silentLogger } from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { zoneRules } from '../../../src/time/zone.js';
import { triggerFromJSON } from '../../../src/triggers/registry.js';
import type { Trigger } from '../../../src/triggers/trigger.js';
import { T0 } from '../../helpers/time.js';
import { wallOf, type Wall } from './cron-reference.js';
import { fireTimes } from './helpers.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const YEAR = 365 * DAY;
/** The last instant of 9999, the last year a trigger may fire in. */
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Fire times followed from each start. */
const CHAIN = 20;

export interface TriggerCase<O> {
  /** Names the trigger in the test titles (`'interval'`, `'cron (crontab)'`, ...). */
  name: string;
  /** Valid options of the trigger, in every form a user may give them. */
  options: fc.Arbitrary<O>;
  make(options: O): Trigger;
  /**
   * For a trigger that fires at wall-clock times: its zone, and whether it fires at a wall time
   * there. The suite also accepts a fire time moved forward by a DST gap when the wall time it
   * stands for is in that gap (SPEC section 3). A case without it skips that test, saying why.
   */
  wallTimes?(options: O): { zone: string; matches(wall: Wall): boolean };
  /** Tests this trigger does not run, by exact title, each group with the reason. */
  skip?: { reason: string; tests: string[] }[];
}

export const TESTS = {
  increasing: 'gives fire times that strictly increase, each a valid instant',
  notBeforeNow: 'first fires at or after now',
  window: 'never fires before its start date or after its end date (and/or: its parts’)',
  deterministic: 'answers alike whatever now is, on a copy, and after its answer is changed',
  json: 'round-trips through JSON to a trigger with the same fire times',
  wallTimes: 'fires at wall times its rule allows in its zone, moved only by a DST gap',
  exhausted: 'stays exhausted after its last fire time',
  jitter: 'runs each fire time under a scheduler within its jitter',
} as const;

/** Registers the properties every trigger has, for one trigger type. */
export function runTriggerSuite<O>(triggerCase: TriggerCase<O>): void {
  const skipped = new Map<string, string>();
  for (const group of triggerCase.skip ?? []) for (const test of group.tests) skipped.set(test, group.reason);
  for (const title of skipped.keys()) {
    if (!Object.values(TESTS).includes(title as never)) throw new Error(`No suite test is titled "${title}"`);
  }
  // A property that does not hold for this trigger by design is not registered for it: the case's
  // `skip` says why, and a name there that is no test of the suite throws above.
  const test = (title: string, body: () => void | Promise<void>) => {
    if (!skipped.has(title)) it(title, body);
  };
  const { make } = triggerCase;
  /** Options, and a time to start from (often just before a DST change in the trigger's zone). */
  const started = triggerCase.options.chain((options) =>
    fc.tuple(fc.constant(options), nowFor(make(options))),
  );
  const check = (property: (options: O, now: number) => void, numRuns = 100) =>
    fc.assert(
      fc.property(started, ([options, now]) => property(options, now)),
      { numRuns },
    );

  describe(`${triggerCase.name} trigger (suite)`, () => {
    test(TESTS.increasing, () =>
      check((options, now) => {
        const times = fireTimes(make(options), new Date(now), CHAIN).map((time) => time.getTime());
        times.forEach((time, i) => {
          expect(Number.isInteger(time)).toBe(true);
          expect(time).toBeLessThanOrEqual(LAST_INSTANT);
          if (i > 0) expect(time).toBeGreaterThan(times[i - 1] as number);
        });
      }),
    );

    test(TESTS.notBeforeNow, () =>
      check((options, now) => {
        const first = make(options).getNextFireTime(null, new Date(now));
        if (first !== null) expect(first.getTime()).toBeGreaterThanOrEqual(now);
      }),
    );

    test(TESTS.window, () =>
      check((options, now) => {
        const trigger = make(options);
        for (const time of fireTimes(trigger, new Date(now), CHAIN)) {
          expect(withinWindows(trigger, time.getTime()), `${trigger} at ${time.toISOString()}`).toBe(true);
        }
      }),
    );

    test(TESTS.deterministic, () =>
      fc.assert(
        fc.property(started, fc.integer({ min: -30 * YEAR, max: 30 * YEAR }), ([options, now], shift) => {
          const trigger = make(options);
          const nowDate = new Date(now);
          const times = fireTimes(trigger, nowDate, CHAIN).map((time) => time.getTime());
          expect(nowDate.getTime()).toBe(now);
          const ms = (date: Date | null) => date?.getTime() ?? null;
          expect(fireTimes(make(options), nowDate, CHAIN).map(ms)).toEqual(times);
          // Each Date returned is the caller's: changing it changes no later answer.
          trigger.getNextFireTime(null, nowDate)?.setTime(0);
          expect(ms(trigger.getNextFireTime(null, nowDate))).toBe(times[0] ?? null);
          times.forEach((time, i) => {
            const previous = new Date(time);
            const next = trigger.getNextFireTime(previous, new Date(now + shift));
            const expected = times[i + 1] ?? (times.length < CHAIN ? null : ms(next));
            expect(ms(next), `after ${previous.toISOString()}, now moved by ${shift} ms`).toBe(expected);
            expect(previous.getTime()).toBe(time);
            next?.setTime(0);
            expect(ms(trigger.getNextFireTime(previous, nowDate))).toBe(expected);
          });
        }),
        { numRuns: 100 },
      ),
    );

    test(TESTS.json, () =>
      check((options, now) => {
        const trigger = make(options);
        const json = JSON.parse(JSON.stringify(trigger.toJSON()));
        expect(json).toMatchObject({ type: trigger.type, version: expect.any(Number) });
        const copy = triggerFromJSON(json);
        expect(copy.toJSON()).toEqual(trigger.toJSON());
        expect(copy.toString()).toBe(trigger.toString());
        expect(copy.jitter).toBe(trigger.jitter);
        expect(fireTimes(copy, new Date(now), CHAIN)).toEqual(fireTimes(trigger, new Date(now), CHAIN));
      }),
    );

    const { wallTimes } = triggerCase;
    if (wallTimes === undefined && !skipped.has(TESTS.wallTimes)) {
      throw new Error(
        `The ${triggerCase.name} case needs wallTimes, or a reason to skip "${TESTS.wallTimes}"`,
      );
    }
    // 300 runs: few of them meet a wall time that a DST change skips.
    test(TESTS.wallTimes, () =>
      check((options, now) => {
        const trigger = make(options);
        const { zone, matches } = (wallTimes as NonNullable<typeof wallTimes>)(options);
        for (const time of fireTimes(trigger, new Date(now), CHAIN)) {
          expect(
            meantWallTimes(time.getTime(), zone).some(matches),
            `${trigger} in ${zone} at ${time.toISOString()}`,
          ).toBe(true);
        }
      }, 300),
    );

    test(TESTS.exhausted, () =>
      check((options, now) => {
        const trigger = make(options);
        const times = fireTimes(trigger, new Date(now), CHAIN);
        const last = times.at(-1);
        if (times.length === CHAIN || last === undefined) return;
        // Asked again from its last fire time, now or years later, it has nothing more. (From a
        // time it never fired at, a trigger's answer is not defined: the scheduler only passes
        // fire times the trigger gave.)
        for (const later of [0, 1, 1000, DAY, 10 * YEAR]) {
          expect(trigger.getNextFireTime(last, new Date(last.getTime() + later))).toBeNull();
        }
      }),
    );

    test(TESTS.jitter, () =>
      fc.assert(
        fc.asyncProperty(triggerCase.options, async (options) => {
          const trigger = make(options);
          const jitterMs = (trigger.jitter ?? 0) * 1000;
          const ahead = fireTimes(trigger, new Date(T0), 50);
          const fires = ahead.slice(0, 5).filter((time) => time.getTime() < T0 + YEAR);
          // A fire time already past at the start runs late, by however far past it is.
          fc.pre(fires.length > 0 && (fires[0] as Date).getTime() >= T0);
          const until = (fires.at(-1) as Date).getTime() + jitterMs + 1;
          // A millisecond interval with seconds of jitter would run thousands of times meanwhile.
          fc.pre(ahead.length < 50 || (ahead[49] as Date).getTime() > until);
          const runs = await runTimes(trigger, until);
          expect(runs.length).toBeGreaterThanOrEqual(fires.length);
          // The delay is drawn in whole milliseconds, never above the jitter: 1.6 ms delays by 0 or 1.
          const bound = Math.floor(jitterMs);
          fires.forEach((fire, i) => {
            expect(runs[i]).toBeGreaterThanOrEqual(fire.getTime());
            expect(runs[i]).toBeLessThanOrEqual(fire.getTime() + bound);
          });
        }),
        { numRuns: 20 },
      ),
    );
  });
}

/** When a scheduler on a fake clock from T0 runs a job with `trigger`, until `until`. */
async function runTimes(trigger: Trigger, until: number): Promise<number[]> {
  const clock = new FakeClock(T0);
  // A long maxSleep, so the scheduler wakes for the runs only: a fake year of 30-second naps takes minutes.
  const scheduler = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC', maxSleep: YEAR / 1000 });
  const runs: number[] = [];
  // No coalescing and no grace limit, so every fire time runs once, however late.
  await scheduler.addJob(() => runs.push(clock.now()), trigger, { coalesce: false, misfireGraceTime: null });
  await scheduler.start();
  try {
    await clock.advanceTo(until);
  } finally {
    await scheduler.shutdown();
  }
  return runs;
}

/** A trigger's zone, start and end dates (or its first zoned part's); UTC for a trigger without. */
function windowOf(trigger: Trigger): { zone: string; start: number; end: number } {
  const { timezone, startDate, endDate, triggers } = trigger as {
    timezone?: string;
    startDate?: Date | null;
    endDate?: Date | null;
    triggers?: Trigger[];
  };
  if (timezone === undefined) {
    const parts = triggers?.map(windowOf) ?? [];
    return (
      parts.find((part) => part.zone !== 'UTC') ??
      parts[0] ?? { zone: 'UTC', start: -Infinity, end: Infinity }
    );
  }
  return { zone: timezone, start: startDate?.getTime() ?? -Infinity, end: endDate?.getTime() ?? Infinity };
}

/** The zone's changes of offset within two years of T0, and whether each moves the clock forward. */
const changesByZone = new Map<string, { at: number; forward: boolean }[]>();

function changes(zone: string): { at: number; forward: boolean }[] {
  let found = changesByZone.get(zone);
  if (found === undefined) {
    found = [];
    const rules = zoneRules(zone);
    for (let next = rules.transitionAfter(T0 - 2 * YEAR, T0 + 2 * YEAR); next !== null;) {
      found.push({ at: next.at, forward: next.after > next.before });
      next = rules.transitionAfter(next.at, T0 + 2 * YEAR);
    }
    changesByZone.set(zone, found);
  }
  return found;
}

/**
 * Instants to start from: any within two (or thirty) years of T0, or shortly before a change of
 * the trigger zone's offset (often a forward one, whose skipped wall times the DST rule is about),
 * within the trigger's start and end dates when it has changes there.
 */
function nowFor(trigger: Trigger): fc.Arbitrary<number> {
  const { zone, start, end } = windowOf(trigger);
  const near = fc.integer({ min: T0 - 2 * YEAR, max: T0 + 2 * YEAR });
  const far = fc.integer({ min: T0 - 30 * YEAR, max: T0 + 30 * YEAR });
  const all = changes(zone);
  const inside = all.filter(({ at }) => at >= start && at <= end);
  const candidates = inside.length > 0 ? inside : all;
  if (candidates.length === 0) return fc.oneof({ weight: 3, arbitrary: near }, { weight: 1, arbitrary: far });
  const forward = candidates.filter((change) => change.forward);
  const before = (list: { at: number }[]) =>
    fc
      .tuple(
        fc.constantFrom(...list.map(({ at }) => at)),
        fc.oneof(
          fc.integer({ min: -HOUR / 2, max: HOUR / 2 }),
          fc.integer({ min: -3 * HOUR, max: HOUR }),
          fc.integer({ min: -3 * DAY, max: 0 }),
        ),
      )
      .map(([at, shift]) => at + shift);
  return fc.oneof(
    { weight: 1, arbitrary: near },
    { weight: 1, arbitrary: far },
    { weight: 2, arbitrary: before(candidates) },
    { weight: forward.length > 0 ? 2 : 0, arbitrary: before(forward.length > 0 ? forward : candidates) },
  );
}

/**
 * Whether `time` lies in the trigger's start-end window. An AndTrigger fires only at times inside
 * all its parts' windows, an OrTrigger inside one of them; a date trigger has no window.
 */
function withinWindows(trigger: Trigger, time: number): boolean {
  const { startDate, endDate, triggers } = trigger as {
    startDate?: Date | null;
    endDate?: Date | null;
    triggers?: Trigger[];
  };
  if (triggers !== undefined) {
    const inside = (part: Trigger) => withinWindows(part, time);
    return trigger.type === 'and' ? triggers.every(inside) : triggers.some(inside);
  }
  return (startDate == null || time >= startDate.getTime()) && (endDate == null || time <= endDate.getTime());
}

/** The zone's offset at `time`, from Intl alone (not from the zone code under test). */
function intlOffset(time: number, zone: string): number {
  const wall = wallOf(time, zone);
  const shown = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return shown - Math.floor(time / 1000) * 1000;
}

/**
 * The wall times a fire time may stand for: the one it shows, and, when it falls within a
 * forward DST change's length after the change, the wall time that did not exist and was read
 * with the offset before the change (SPEC section 3: 02:30 on a day that skips from 02:00 to 03:00
 * fires at 03:30).
 */
function meantWallTimes(time: number, zone: string): Wall[] {
  const shown = wallOf(time, zone);
  const after = intlOffset(time, zone);
  const before = intlOffset(time - 3 * HOUR, zone);
  if (before >= after) return [shown];
  // The change, to the second: the offset is `before` at `lo` and `after` at `hi`.
  let lo = time - 3 * HOUR;
  let hi = time;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (intlOffset(mid, zone) === before) lo = mid;
    else hi = mid;
  }
  if (time - hi >= after - before) return [shown];
  return [shown, wallOf(time + before, 'UTC')];
}
