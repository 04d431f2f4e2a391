// ProcessExecutor with real child processes: each way a worker can die becomes the run's
// EVENT_JOB_ERROR with the reason, the pool replaces the worker, and other runs carry on.
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  FunctionLookupError,
  InvalidArgumentError,
  SerializationError,
  type JobExecutionEvent,
} from '../../../src/index.js';
import { WorkerCrashedError } from '../../../src/executors/errors.js';
import { ProcessExecutor } from '../../../src/executors/process-executor.js';
import { PROCESS_SOURCE } from '../../../src/executors/pool/worker-source.js';
import { FIXTURES, childPids, fixtureJob, makeJob, useRuns, waitUntil } from './helpers.js';

// Each wait below has its own deadline, with a clear message; the test's own limit stays above them.
vi.setConfig({ testTimeout: 60_000 });

const startRuns = useRuns();
const start = (options: ConstructorParameters<typeof ProcessExecutor>[0] = {}, baseDir?: string) =>
  startRuns(new ProcessExecutor({ maxWorkers: 2, ...options }), { baseDir });

/** Runs `func` on a fresh executor; gives the run's `WorkerCrashedError` and the executor's harness. */
async function crash(func: string, args: unknown[] = [], options = {}) {
  const harness = await start(options);
  harness.submit(fixtureJob('job', func, { args }));
  const [event] = (await harness.waitForEvents(1, EVENT_JOB_ERROR)) as JobExecutionEvent[];
  expect(event?.exception).toBeInstanceOf(WorkerCrashedError);
  return { error: event?.exception as WorkerCrashedError, ...harness };
}

describe('ProcessExecutor worker deaths', () => {
  it('a job that calls process.exit() fails with its exit code', async () => {
    const { error } = await crash('exit', [3]);
    expect(error).toMatchObject({
      code: 'ERR_WORKER_CRASHED',
      reason: 'exit',
      exitCode: 3,
      workerKind: 'process',
    });
    expect(error.message).toMatch(/Worker process \d+ exited with code 3 .*while running job "job"/);
  });

  it('a worker killed by a signal fails its run with the signal', async () => {
    const { error } = await crash('killSelf', ['SIGKILL']);
    expect(error).toMatchObject({ reason: 'signal', signal: 'SIGKILL' });
    expect(error.message).toContain('killed by signal SIGKILL');
  });

  it('an uncaught exception outside the job promise fails the run with it as cause', async () => {
    const { error } = await crash('throwLater', ['late boom']);
    expect(error.reason).toBe('uncaught-exception');
    expect((error.cause as Error).message).toBe('late boom');
    expect((error.cause as Error).stack).toContain('jobs.mjs');
  });

  it('a memory-hungry job runs out of memory quickly under memoryLimitMb', async () => {
    const started = Date.now();
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    });
    try {
      const { error, submit, waitForEvents } = await crash('hog', [], { memoryLimitMb: 48 });
      expect(error.reason).toBe('out-of-memory');
      expect(error.message).toContain('memoryLimitMb: 48');
      // What makes it quick is the heap limit of the worker (and of its replacement): checked as
      // such, since how long a loaded machine takes says little. Node's own limit is gigabytes.
      submit(fixtureJob('limit', 'heapLimitMb'));
      const [limit] = (await waitForEvents(1, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
      expect(limit?.retval).toBeGreaterThanOrEqual(48);
      expect(limit?.retval).toBeLessThan(256);
    } finally {
      write.mockRestore();
    }
    // No hang. Measured at most 5 s with six CPU hogs on two cores; the bound is 10 times that.
    expect(Date.now() - started).toBeLessThan(50_000);
    // The error says it in one line; V8's 30-line report does not reach the application's stderr.
    expect(written.join('')).not.toMatch(/Last few GCs|Native stack trace|heap out of memory/);
  });

  it('replaces a dead worker; runs on the other worker carry on', async () => {
    const { submit, events, waitForEvents } = await start();
    submit(fixtureJob('steady', 'sleep', { args: [400, 'survived'] }));
    submit(fixtureJob('where1', 'where'));
    await waitForEvents(1, EVENT_JOB_EXECUTED);
    const first = (events[0] as JobExecutionEvent).retval as { pid: number };
    submit(fixtureJob('exit', 'exit', { args: [1] }));
    await waitForEvents(1, EVENT_JOB_ERROR);
    submit(fixtureJob('where2', 'where'));
    const done = (await waitForEvents(3, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(done.find((event) => event.jobId === 'steady')?.retval).toBe('survived');
    const second = done.find((event) => event.jobId === 'where2')?.retval as { pid: number };
    expect([first.pid, second.pid]).not.toContain(process.pid);
    expect(childPids().length).toBeLessThanOrEqual(2);
  });

  it('a timed-out job has its process killed and replaced', async () => {
    const { submit, events, waitForEvents } = await start({ maxWorkers: 1 });
    submit(fixtureJob('where', 'where'));
    await waitForEvents(1, EVENT_JOB_EXECUTED);
    const { pid } = (events[0] as JobExecutionEvent).retval as { pid: number };
    submit(fixtureJob('spin', 'spin', { timeout: 0.3 }));
    const [error] = (await waitForEvents(1, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    expect(error?.timedOut).toBe(true);
    await waitUntil(() => !childPids().includes(pid), `the timed-out worker ${pid} to be gone`);
    submit(fixtureJob('after', 'where'));
    const done = (await waitForEvents(2, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect((done[1]?.retval as { pid: number }).pid).not.toBe(pid);
  });

  it('a worker process exits by itself when its parent goes away', async () => {
    const child = spawn(process.execPath, ['-e', PROCESS_SOURCE], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
    });
    await new Promise((ready) => child.once('message', ready));
    const exited = new Promise((done) => child.once('exit', (code) => done(code)));
    child.disconnect();
    expect(await exited).toBe(0);
  });
});

describe('ProcessExecutor job references', () => {
  it('resolves relative references against baseDir and task names registered by reference', async () => {
    const { resolver, submit, waitForEvents } = await start({}, FIXTURES);
    await resolver.registerTask('adder', './jobs.mjs:add');
    submit(makeJob('relative', null, { func: './jobs.mjs:add', args: [1, 2] }));
    submit(makeJob('task', null, { func: 'adder', args: [3, 4] }));
    const done = (await waitForEvents(2, EVENT_JOB_EXECUTED)) as JobExecutionEvent[];
    expect(Object.fromEntries(done.map((event) => [event.jobId, event.retval]))).toEqual({
      relative: 3,
      task: 7,
    });
  });

  it('reports a missing module, export or non-function export clearly', async () => {
    const { submit, waitForEvents } = await start();
    submit(makeJob('module', null, { func: '/nowhere/missing.mjs:run' }));
    submit(fixtureJob('export', 'absent'));
    submit(fixtureJob('value', 'notAFunction'));
    const errors = (await waitForEvents(3, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    const message = (id: string) => (errors.find((event) => event.jobId === id)?.exception as Error).message;
    for (const event of errors)
      expect(event.exception).toMatchObject({ name: 'FunctionLookupError', code: 'ERR_FUNCTION_LOOKUP' });
    expect(message('module')).toContain('Cannot import module');
    expect(message('export')).toMatch(/has no export "absent"; its exports are: .*add/);
    expect(message('value')).toContain('is a number, not a function');
  });

  it('validateJob refuses a closure, an unknown task name and args that cannot be cloned', async () => {
    // `validate` checks a job as `addJob` does: the executor's `validateJob`, given the job's reference.
    const { validate, submit, waitForEvents } = await start();
    const closure = makeJob('job', null, { func: function report() {} });
    expect(() => validate(closure)).toThrow(InvalidArgumentError);
    expect(() => validate(closure)).toThrow(
      /must be a "module:export" reference .*not a function \(report\)/,
    );
    expect(() => validate(makeJob('job', null, { func: 'some-task' }))).toThrow(FunctionLookupError);
    expect(() => validate(fixtureJob('job', 'noop', { args: [() => 1] }))).toThrow(SerializationError);
    expect(() => validate(fixtureJob('job', 'noop', { args: [new Map([[1, new Date()]])] }))).not.toThrow();
    // Submitted anyway (no validation), each fails as a run, and the executor carries on.
    submit(makeJob('closure', null, { func: () => 1 }));
    submit(fixtureJob('args', 'echo', { args: [() => 1] }));
    submit(fixtureJob('result', 'returnFunction'));
    const errors = (await waitForEvents(3, EVENT_JOB_ERROR)) as JobExecutionEvent[];
    const byId = (id: string) => errors.find((event) => event.jobId === id)?.exception as Error;
    expect(byId('closure')).toBeInstanceOf(InvalidArgumentError);
    expect(byId('args').message).toMatch(/could not be cloned/);
    expect(byId('result')).toMatchObject({ name: 'DataCloneError' });
    submit(fixtureJob('fine', 'add', { args: [1, 1] }));
    await waitForEvents(1, EVENT_JOB_EXECUTED);
  });
});
