// The event codes as listener masks rely on: one bit each, EVENT_ALL all of them, and each name of
// `scheduler.on` bound to its code (tests/types/events.test.ts checks the types).
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { EVENT_TABLE } from '../../../src/events/event-table.js';
import * as events from '../../../src/events/events.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';

const { EVENT_ALL, EVENT_NAMES } = events;
const codes = Object.values(EVENT_TABLE).map((row) => row.code);

describe('event codes', () => {
  it('are distinct powers of two, and EVENT_ALL is their union', () => {
    for (const code of codes) expect(Number.isInteger(Math.log2(code)), String(code)).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.reduce((mask, code) => mask | code, 0)).toBe(EVENT_ALL);
  });

  it('keep the values of APScheduler 3 and of Horae 0.1', () => {
    expect(codes).toEqual(Array.from({ length: 21 }, (_, n) => 2 ** n));
    expect(events.EVENT_JOB_EXECUTED).toBe(4096);
    expect(events.EVENT_JOB_MAX_INSTANCES).toBe(65536);
    expect(events.EVENT_JOBSTORE_ERROR).toBe(524288);
    expect(events.EVENT_JOB_INTERRUPTED).toBe(1048576);
    expect(events.EVENT_SCHEDULER_START).toBe(events.EVENT_SCHEDULER_STARTED);
  });

  it('bind every name to its row, and every exported constant to a name', () => {
    expect(Object.keys(EVENT_NAMES)).toEqual(Object.keys(EVENT_TABLE));
    for (const [name, row] of Object.entries(EVENT_TABLE)) {
      expect(EVENT_NAMES[name as events.EventName]).toBe(row.code);
    }
    // EVENT_JOB_EXECUTED is the code of job_executed, and so on for each constant.
    const constants = Object.entries(events).filter(
      ([key]) =>
        key.startsWith('EVENT_') && !['EVENT_ALL', 'EVENT_NAMES', 'EVENT_SCHEDULER_START'].includes(key),
    );
    const named = Object.fromEntries(
      constants.map(([key, code]) => [key.slice('EVENT_'.length).toLowerCase(), code]),
    );
    expect(named).toEqual({ ...EVENT_NAMES });
  });

  it('refuse a name that only Object.prototype has, naming the valid ones', () => {
    const scheduler = new Scheduler();
    for (const name of ['toString', 'constructor', '__proto__']) {
      const call = () => scheduler.on(name as events.EventName, () => {});
      expect(call, name).toThrow(InvalidArgumentError);
      expect(call, name).toThrow(/valid names are: scheduler_started, /);
    }
  });
});
