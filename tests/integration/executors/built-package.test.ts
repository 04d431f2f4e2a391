// The pool executors as the published package runs them: compiled by tsc (the worker code is sent
// as source text, so this checks the emitted form too), with `currentJob()` working in workers.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_JOB_EXECUTED, type JobExecutionEvent } from '../../../src/index.js';
import type { PoolExecutor } from '../../../src/executors/pool-executor.js';
import { buildDist } from '../../helpers/build.js';
import { FIXTURES, makeJob, useRuns } from './helpers.js';

const startRuns = useRuns();
let dist = '';
beforeAll(async () => {
  dist = await buildDist();
  process.env.HORAE_DIST = dist;
}, 180_000);

describe.each(['thread', 'process'])('built %s executor', (kind) => {
  it('gives a job in a worker its context through currentJob()', async () => {
    const file = kind === 'thread' ? 'thread-executor.js' : 'process-executor.js';
    const module = (await import(pathToFileURL(join(dist, 'executors', file)).href)) as Record<
      string,
      new (options: object) => PoolExecutor
    >;
    const Executor = (kind === 'thread' ? module.ThreadExecutor : module.ProcessExecutor)!;
    // The built executor behind the run queue of the sources: the contract between them is structural.
    const { submit, waitForEvents } = await startRuns(new Executor({ maxWorkers: 1 }), { alias: 'cpu' });
    submit(makeJob('ctx', null, { func: `${join(FIXTURES, 'context-job.mjs')}:context` }));
    const [event] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(event?.retval).toEqual({
      jobId: 'ctx',
      jobStore: 'default',
      executor: 'cpu',
      scheduledRunTime: event?.scheduledRunTime,
      signalAborted: false,
    });
  });
});
