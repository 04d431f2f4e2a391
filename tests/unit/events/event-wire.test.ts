// Events as they cross between nodes through a broker: JSON out, the same event back in, with the
// node it came from; what is not an event is dropped.
import { describe, expect, it } from 'vitest';
import { eventFromWire, eventToWire } from '../../../src/events/event-wire.js';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, type SchedulerEventUnion } from '../../../src/events/events.js';
import { T0 } from '../../helpers/time.js';

/** What a broker does to a message: JSON text and back. */
const overTheWire = (event: SchedulerEventUnion) => JSON.parse(JSON.stringify(eventToWire(event)));

describe('events on the wire', () => {
  it('carries dates, errors and return values, and stamps the sending node', () => {
    const error = new RangeError('out of range');
    const sent: SchedulerEventUnion = {
      code: EVENT_JOB_ERROR,
      jobId: 'j',
      jobStore: 'default',
      scheduledRunTime: new Date(T0),
      exception: error,
      traceback: error.stack ?? '',
      timedOut: false,
      startedAt: new Date(T0 + 5),
      finishedAt: new Date(T0 + 9),
    };
    const got = eventFromWire(overTheWire(sent), 'node-b') as typeof sent & { nodeId: string };
    expect(got.nodeId).toBe('node-b');
    expect(got.scheduledRunTime).toEqual(new Date(T0));
    expect(got.finishedAt).toEqual(new Date(T0 + 9));
    expect(got.exception).toBeInstanceOf(Error);
    expect(got.exception).toMatchObject({ name: 'RangeError', message: 'out of range', stack: error.stack });
  });

  it('sends a value JSON cannot carry as its String() form', () => {
    const sent: SchedulerEventUnion = {
      code: EVENT_JOB_EXECUTED,
      jobId: 'j',
      jobStore: 'default',
      scheduledRunTime: new Date(T0),
      retval: new Map([[1, 2]]),
      startedAt: new Date(T0),
      finishedAt: new Date(T0),
    };
    const got = eventFromWire(overTheWire(sent), 'a') as typeof sent;
    expect(got.retval).toBe('[object Map]');
  });

  it('drops what is not an event', () => {
    for (const wire of [null, 'text', {}, { code: 3 }, { code: 2 ** 30 }, { code: '1' }]) {
      expect(eventFromWire(wire, 'a')).toBeNull();
    }
  });
});
