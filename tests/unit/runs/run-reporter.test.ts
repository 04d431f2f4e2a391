// The one reporting path of runs (`RunReporter`): each outcome becomes its run record when the
// history is on, and its event only when a listener wants that code, on the event-loop executor on
// a fake clock.
import { describe, expect, it, vi } from 'vitest';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  type JobExecutionEvent,
} from '../../../src/index.js';
import { TimedRunRecord } from '../../../src/stores/run-record.js';
import { settle } from '../../../src/testing.js';
import { T0, makeJob } from '../../helpers/jobs.js';
import { useLoopRuns } from './harness.js';

const start = useLoopRuns();
const outcome = (event: unknown) => event as JobExecutionEvent;

describe('run reporting through the RunReporter', () => {
  it('makes exactly one record per executed run, with Date times equal to its numeric times', async () => {
    const { queue, submission, kept, events, clock, wait, listeners } = await start({ listen: 0 });
    const wants = vi.spyOn(listeners, 'wants');
    queue.submitAll([submission(makeJob('timed', null, { func: wait(1500, { answer: 42 }) }))]);
    await clock.advance(1500);
    await settle();
    expect(kept).toHaveLength(1);
    const [{ jobStore, record } = {} as never] = kept;
    expect(jobStore).toBe('default');
    expect(record).toBeInstanceOf(TimedRunRecord);
    const timed = record as TimedRunRecord;
    expect(timed.startedMs).toBe(T0);
    expect(timed.finishedMs).toBe(T0 + 1500);
    expect(record.startedAt).toBeInstanceOf(Date);
    expect(record.finishedAt).toBeInstanceOf(Date);
    expect(record.startedAt).toEqual(new Date(timed.startedMs));
    expect(record.finishedAt).toEqual(new Date(timed.finishedMs));
    expect(record).toMatchObject({
      jobId: 'timed',
      scheduledRunTime: new Date(T0),
      outcome: 'success',
      error: null,
      returnValue: { answer: 42 },
      schedulerId: 'sched-1',
    });
    // Nobody listens: the reporter asked, and built no event.
    expect(wants).toHaveBeenCalledWith(EVENT_JOB_EXECUTED);
    expect(events).toEqual([]);
  });

  it('stores the record in the job store, as getRuns gives it back', async () => {
    const { submit, storedRuns } = await start({ listen: 0 });
    submit(makeJob('stored', null, { func: () => 'kept' }));
    await settle();
    const [record] = await storedRuns('stored');
    expect(record).toMatchObject({ jobId: 'stored', outcome: 'success', returnValue: 'kept' });
    expect(record?.startedAt).toEqual(new Date(T0));
  });

  it('publishes EVENT_JOB_EXECUTED with Date fields when a listener wants it, beside the record', async () => {
    const { queue, submission, kept, events, clock, wait } = await start({ listen: EVENT_JOB_EXECUTED });
    queue.submitAll([submission(makeJob('heard', null, { func: wait(250, 'value') }))]);
    await clock.advance(250);
    await settle();
    expect(kept).toHaveLength(1);
    expect(events).toHaveLength(1);
    const event = outcome(events[0]);
    expect(event).toMatchObject({
      code: EVENT_JOB_EXECUTED,
      jobId: 'heard',
      jobStore: 'default',
      scheduledRunTime: new Date(T0),
      retval: 'value',
    });
    expect(event.startedAt).toBeInstanceOf(Date);
    expect(event.finishedAt).toBeInstanceOf(Date);
    expect(event.startedAt).toEqual(new Date(T0));
    expect(event.finishedAt).toEqual(new Date(T0 + 250));
    expect(event.startedAt).toEqual(kept[0]?.record.startedAt);
    expect(event.finishedAt).toEqual(kept[0]?.record.finishedAt);
  });

  it('publishes events without records when the run history is off', async () => {
    const { queue, submission, kept, events, storedRuns } = await start({ history: false });
    queue.submitAll([submission(makeJob('no-history', null, { func: () => 7 }))]);
    await settle();
    expect(events.map((event) => [event.code, outcome(event).retval])).toEqual([[EVENT_JOB_EXECUTED, 7]]);
    expect(kept).toEqual([]);
    expect(await storedRuns('no-history')).toEqual([]);
  });

  it('hears only the codes listened to: an error listener gets the error, and both runs are recorded', async () => {
    const { queue, submission, kept, events } = await start({ listen: EVENT_JOB_ERROR });
    queue.submitAll([
      submission(makeJob('ok', null, { func: () => 1 })),
      submission(makeJob('bad', null, { func: () => Promise.reject(new Error('x')) })),
    ]);
    await settle();
    expect(events.map((event) => [event.code, outcome(event).jobId])).toEqual([[EVENT_JOB_ERROR, 'bad']]);
    expect(kept.map(({ record }) => [record.jobId, record.outcome])).toEqual([
      ['ok', 'success'],
      ['bad', 'error'],
    ]);
  });

  it('records a failed run without publishing its event when nobody listens', async () => {
    const { queue, submission, kept, events } = await start({ listen: 0 });
    queue.submitAll([
      submission(makeJob('fails', null, { func: () => Promise.reject(new Error('async boom')) })),
    ]);
    await settle();
    expect(kept).toHaveLength(1);
    expect(kept[0]?.record).toMatchObject({ jobId: 'fails', outcome: 'error' });
    expect(kept[0]?.record.error?.message).toBe('async boom');
    expect(kept[0]?.record.startedAt).toEqual(new Date(T0));
    expect(events).toEqual([]);
  });

  it('records a missed run with null times and publishes EVENT_JOB_MISSED only to listeners', async () => {
    const late = makeJob('late', null, { func: () => 'never', misfireGraceTime: 1 });
    const quiet = await start({ listen: 0 });
    quiet.queue.submitAll([quiet.submission(late, [new Date(T0 - 10_000)])]);
    await settle();
    expect(quiet.kept.map(({ record }) => record.outcome)).toEqual(['missed']);
    expect(quiet.kept[0]?.record.startedAt).toBeNull();
    expect(quiet.kept[0]?.record.finishedAt).toBeNull();
    expect(quiet.events).toEqual([]);

    const heard = await start();
    heard.queue.submitAll([heard.submission(late, [new Date(T0 - 10_000)])]);
    await settle();
    expect(heard.events).toEqual([
      { code: EVENT_JOB_MISSED, jobId: 'late', jobStore: 'default', scheduledRunTime: new Date(T0 - 10_000) },
    ]);
  });
});
