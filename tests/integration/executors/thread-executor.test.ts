// ThreadExecutor with real worker threads: blocking work runs at the same time on several threads,
// and a thread that dies fails only its own run. (How much faster two cores make CPU-bound jobs is
// measured in bench/executors-bench.mjs, not here.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, type JobExecutionEvent } from '../../../src/index.js';
import { WorkerCrashedError } from '../../../src/executors/errors.js';
import { spawnThread } from '../../../src/executors/pool/spawn-thread.js';
import { ThreadExecutor } from '../../../src/executors/thread-executor.js';
import { fixtureJob, threadCount, useRuns, waitUntil } from './helpers.js';

// Each wait below has its own deadline, with a clear message; the test's own limit stays above them.
vi.setConfig({ testTimeout: 60_000 });

const startRuns = useRuns();
const start = (options: ConstructorParameters<typeof ThreadExecutor>[0] = {}) =>
  startRuns(new ThreadExecutor(options));

describe('ThreadExecutor', () => {
  it('runs jobs on threads other than the main one, and terminates them at shutdown', async () => {
    const before = threadCount();
    const { queue, submit, waitForEvents } = await start({ maxWorkers: 2 });
    const job = fixtureJob('job', 'sleep', { args: [100], maxInstances: 2 });
    submit(job);
    submit(job);
    submit(fixtureJob('where', 'where'));
    const done = (await waitForEvents(3, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    const where = done.find((event) => event.jobId === 'where')?.retval as { pid: number; threadId: number };
    expect(where).toMatchObject({ pid: process.pid });
    expect(where.threadId).toBeGreaterThan(0);
    expect(threadCount()).toBeGreaterThanOrEqual(before + 2);
    await queue.shutdown(true);
    await waitUntil(
      () => threadCount() <= before,
      () => `the worker threads to end: ${threadCount()} threads, ${before} before`,
    );
  });

  it.each([
    ['exit', [5], { reason: 'exit', exitCode: 5 }],
    ['throwLater', ['late'], { reason: 'uncaught-exception' }],
    ['hog', [], { reason: 'out-of-memory' }],
  ] as const)('a thread that dies in %s fails its run with the reason', async (func, args, expected) => {
    const { submit, waitForEvents } = await start({ maxWorkers: 1, memoryLimitMb: 48 });
    submit(fixtureJob('dies', func, { args: [...args] }));
    const [error] = (await waitForEvents(1, EVENT_JOB_ERROR, 20_000)) as JobExecutionEvent[];
    expect(error?.exception).toBeInstanceOf(WorkerCrashedError);
    expect(error?.exception).toMatchObject({ workerKind: 'thread', ...expected });
    submit(fixtureJob('next', 'add', { args: [2, 2] }));
    const [next] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(next?.retval).toBe(4);
  });

  it('runs blocking jobs at the same time on two threads, and one after the other on one', async () => {
    const meet = async (maxWorkers: number, timeoutMs: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'horae-meet-'));
      try {
        const { queue, submit, waitForEvents } = await start({ maxWorkers });
        for (const [me, other] of [
          ['a', 'b'],
          ['b', 'a'],
        ] as const) {
          submit(fixtureJob(me, 'rendezvous', { args: [dir, me, other, timeoutMs] }));
        }
        // Beyond the rendezvous's own wait: two threads to start on a loaded machine.
        const deadline = timeoutMs + 20_000;
        const done = (await waitForEvents(2, EVENT_JOB_EXECUTED, deadline)) as JobExecutionEvent[];
        await queue.shutdown(false);
        return done.map((event) => event.retval as { threadId: number; met: boolean });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    // Two workers: both jobs block their thread until the other shows up, so both must be running.
    const both = await meet(2, 20_000);
    expect(both.map((run) => run.met)).toEqual([true, true]);
    expect(new Set(both.map((run) => run.threadId)).size).toBe(2);
    // The control: one worker runs them in turn, so the first one waits in vain.
    const one = await meet(1, 500);
    expect(one.map((run) => run.met).sort()).toEqual([false, true]);
  }, 90_000);

  it('terminates a thread whose job times out, and replaces it', async () => {
    const { submit, waitForEvents } = await start({ maxWorkers: 1 });
    submit(fixtureJob('spin', 'spin', { timeout: 0.2 }));
    const [error] = (await waitForEvents(1, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    expect(error).toMatchObject({ timedOut: true });
    submit(fixtureJob('next', 'where'));
    const [next] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(next?.retval).toMatchObject({ pid: process.pid });
  });

  it('hears the last message of a thread that exits while the main thread is busy', async () => {
    // A thread reports its fatal error and exits at once. With the main thread busy meanwhile, the
    // exit and the message are both pending when it looks, in either order: the message (which tells
    // an uncaught exception from a plain exit) must not be lost.
    const source = `const { workerData } = require('node:worker_threads');
      workerData.port.postMessage({ type: 'fatal', error: 'boom' });
      process.exit(1);`;
    let lost = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolveExit) => {
        let heard = false;
        spawnThread(
          { source, memoryLimitMb: undefined },
          { message: () => (heard = true), exit: () => (resolveExit(), heard || lost++) },
        );
        const busyUntil = Date.now() + 300;
        while (Date.now() < busyUntil);
      });
    }
    expect(lost, 'fatal messages lost out of 20').toBe(0);
  });
});
