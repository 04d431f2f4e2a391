// The one stored form of run records, shared by the SQL and Redis stores: versioned, and still
// reading what earlier versions of those stores wrote.
import { describe, expect, it } from 'vitest';
import { SerializationError } from '../../../src/errors.js';
import {
  RUN_RECORD_VERSION,
  TimedRunRecord,
  deserializeRunRecord,
  serializeRunRecord,
} from '../../../src/stores/run-record.js';
import { T0, makeRun } from '../../helpers/jobs.js';

describe('run record serializer', () => {
  it('writes a scheduled run as version 1 and reads back every field', () => {
    const record = makeRun('j', T0, {
      outcome: 'error',
      error: { name: 'TypeError', message: 'bad "x" 🕒', stack: 'TypeError: bad\n    at y' },
      returnValue: { rows: [1, 2] },
      schedulerId: 'node-1',
    });
    const text = serializeRunRecord(record);
    expect(JSON.parse(text)).toMatchObject({ version: 1, startedAt: T0 + 5 });
    expect(JSON.parse(text)).not.toHaveProperty('manual');
    expect(deserializeRunRecord(text)).toEqual(record);
    const missed = makeRun('j', T0, { outcome: 'missed', startedAt: null, finishedAt: null });
    expect(deserializeRunRecord(serializeRunRecord(missed))).toEqual(missed);
  });

  it("writes a scheduler's own TimedRunRecord as the plain record it stands for", () => {
    const timed = new TimedRunRecord('j', T0, T0 + 5, NaN, 'timeout', null, undefined, 's');
    expect(deserializeRunRecord(serializeRunRecord(timed))).toEqual({
      jobId: 'j',
      scheduledRunTime: new Date(T0),
      startedAt: new Date(T0 + 5),
      finishedAt: null,
      outcome: 'timeout',
      error: null,
      returnValue: null,
      schedulerId: 's',
      manual: false,
    });
  });

  it('writes a manual run as version 2 with manual: true, and reads it back so', () => {
    const manual = makeRun('j', T0, { manual: true });
    const text = serializeRunRecord(manual);
    expect(JSON.parse(text)).toMatchObject({ version: 2, manual: true });
    expect(deserializeRunRecord(text)).toEqual(manual);
    const timed = new TimedRunRecord('j', T0, T0 + 5, T0 + 9, 'success', null, 1, 's', true);
    expect(deserializeRunRecord(serializeRunRecord(timed)).manual).toBe(true);
  });

  it('writes an interrupted run as version 3, which older readers refuse rather than misread', () => {
    const interrupted = makeRun('j', T0, {
      outcome: 'interrupted',
      startedAt: null,
      finishedAt: null,
      schedulerId: 'dead-node',
    });
    const text = serializeRunRecord(interrupted);
    expect(JSON.parse(text)).toMatchObject({ version: RUN_RECORD_VERSION, outcome: 'interrupted' });
    expect(RUN_RECORD_VERSION).toBe(3);
    expect(deserializeRunRecord(text)).toEqual(interrupted);
  });

  it('reads a record as the SQL stores wrote it (version 1)', () => {
    const text =
      '{"version":1,"jobId":"j","scheduledRunTime":1767225600000,"startedAt":1767225600005,' +
      '"finishedAt":1767225600025,"outcome":"success","error":null,"returnValue":7,"schedulerId":"a"}';
    expect(deserializeRunRecord(text)).toEqual(makeRun('j', T0, { returnValue: 7, schedulerId: 'a' }));
  });

  it('reads a record as the Redis store wrote it, without a version and with extra fields', () => {
    const text =
      '{"jobId":"j","scheduledRunTime":1767225600000,"startedMs":1767225600005,"finishedMs":1767225600025,' +
      '"outcome":"success","error":null,"schedulerId":"a","startedAt":1767225600005,"finishedAt":1767225600025}';
    expect(deserializeRunRecord(text)).toEqual(makeRun('j', T0, { schedulerId: 'a' }));
  });

  it('refuses a newer version, text that is not JSON and a record without its fields', () => {
    const newer = serializeRunRecord(makeRun('j', T0)).replace('"version":1', '"version":4');
    for (const text of [newer, '{"jobId":', 'null', '{"version":1,"jobId":"j"}']) {
      expect(() => deserializeRunRecord(text)).toThrow(SerializationError);
    }
    expect(() => deserializeRunRecord(newer)).toThrow(/version 4; this Horae reads versions 1 to 3/);
  });
});
