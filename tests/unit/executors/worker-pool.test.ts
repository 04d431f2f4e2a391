// The worker pool against fake workers: how each kind of death becomes a WorkerCrashedError,
// what aborting does, and that a worker that cannot start does not respawn forever.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/index.js';
import { WorkerCrashedError } from '../../../src/executors/errors.js';
import type { RunRequest, WorkerMessage } from '../../../src/executors/pool/protocol.js';
import type { WorkerDeath, WorkerEvents } from '../../../src/executors/pool/worker-handle.js';
import { WorkerPool } from '../../../src/executors/pool/worker-pool.js';

interface FakeWorker {
  id: number;
  sent: RunRequest[];
  terminated: boolean;
  events: WorkerEvents;
  reply(message: WorkerMessage): void;
  die(death: Partial<WorkerDeath>): void;
}

function makePool(options: { kind?: 'thread' | 'process'; maxWorkers?: number; refuse?: boolean } = {}) {
  const workers: FakeWorker[] = [];
  const pool = new WorkerPool({
    kind: options.kind ?? 'process',
    maxWorkers: options.maxWorkers ?? 1,
    memoryLimitMb: 64,
    source: '',
    logger: silentLogger,
    spawn: (_options, events) => {
      const worker: FakeWorker = {
        id: 100 + workers.length,
        sent: [],
        terminated: false,
        events,
        reply: (message) => events.message(message),
        die: (death) => events.exit({ exitCode: null, signal: null, ...death }),
      };
      workers.push(worker);
      return {
        id: worker.id,
        send: (message) => {
          if (options.refuse === true) throw new Error('could not be cloned');
          worker.sent.push(message);
        },
        terminate: async () => {
          worker.terminated = true;
          queueMicrotask(() => worker.die({ exitCode: null, signal: 'SIGTERM' }));
        },
        ref: () => undefined,
        unref: () => undefined,
      };
    },
  });
  const run = (jobId = 'job') => {
    let abort: ((reason: unknown) => void) | undefined;
    const attempt = { onAbort: (listener: (reason: unknown) => void) => (abort = listener) };
    const promise = pool.run(
      {
        specifier: 'file:///x.mjs',
        exportPath: 'run',
        args: [],
        context: { jobId, jobStore: 'default', executor: 'x', scheduledRunTime: new Date(0) },
      },
      attempt,
    );
    promise.catch(() => undefined);
    return { promise, abort: (reason: unknown) => abort?.(reason) };
  };
  return { pool, workers, run };
}

async function crashWith(
  death: Partial<WorkerDeath>,
  fatal?: WorkerMessage,
  kind: 'thread' | 'process' = 'process',
) {
  const { workers, run } = makePool({ kind });
  const { promise } = run();
  workers[0]!.reply({ type: 'ready' });
  if (fatal !== undefined) workers[0]!.reply(fatal);
  workers[0]!.die(death);
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WorkerCrashedError);
  return error as WorkerCrashedError;
}

describe('WorkerPool', () => {
  it('runs a request on a worker once it is ready, and resolves with its result', async () => {
    const { workers, run } = makePool();
    const { promise } = run();
    expect(workers).toHaveLength(1);
    expect(workers[0]!.sent).toHaveLength(0);
    workers[0]!.reply({ type: 'ready' });
    expect(workers[0]!.sent[0]).toMatchObject({ type: 'run', exportPath: 'run' });
    workers[0]!.reply({ type: 'result', id: workers[0]!.sent[0]!.id, ok: true, value: 42 });
    await expect(promise).resolves.toBe(42);
  });

  it.each([
    [
      { exitCode: 3 },
      { reason: 'exit', exitCode: 3 },
      /exited with code 3 \(did the job call process.exit\(\)\?\) while running job "job"/,
    ],
    [{ signal: 'SIGKILL' }, { reason: 'signal', signal: 'SIGKILL' }, /was killed by signal SIGKILL/],
    [
      { signal: 'SIGABRT', stderrTail: 'FATAL ERROR: Reached heap limit ... JavaScript heap out of memory' },
      { reason: 'out-of-memory' },
      /ran out of memory \(memoryLimitMb: 64\)/,
    ],
  ] as const)('names the cause of a process death %o', async (death, fields, message) => {
    const error = await crashWith(death);
    expect(error).toMatchObject({ code: 'ERR_WORKER_CRASHED', workerKind: 'process', ...fields });
    expect(error.message).toMatch(message);
  });

  it('names an out-of-memory thread and an uncaught exception with its cause', async () => {
    const oom = Object.assign(new Error('Worker terminated due to reaching memory limit'), {
      code: 'ERR_WORKER_OUT_OF_MEMORY',
    });
    expect(await crashWith({ exitCode: 1, error: oom }, undefined, 'thread')).toMatchObject({
      reason: 'out-of-memory',
      workerKind: 'thread',
    });
    const fatal: WorkerMessage = {
      type: 'fatal',
      error: { kind: 'error', name: 'Error', message: 'late', stack: undefined, props: {} },
    };
    const error = await crashWith({ exitCode: 1 }, fatal);
    expect(error.reason).toBe('uncaught-exception');
    expect((error.cause as Error).message).toBe('late');
  });

  it('fails the waiting run when a worker dies before it is ready, rather than respawning forever', async () => {
    const { workers, run } = makePool();
    const { promise } = run();
    workers[0]!.die({ exitCode: 1, error: new Error('boot failed') });
    await expect(promise).rejects.toMatchObject({ reason: 'startup' });
    expect(workers).toHaveLength(1);
  });

  it('aborting a running request terminates its worker; a queued one is just dropped', async () => {
    const { workers, run } = makePool();
    const first = run('first');
    const second = run('second');
    const third = run('third');
    workers[0]!.reply({ type: 'ready' });
    third.abort(new Error('shut down'));
    await expect(third.promise).rejects.toThrow('shut down');
    expect(workers[0]!.terminated).toBe(false);
    first.abort(new Error('timed out'));
    await expect(first.promise).rejects.toThrow('timed out');
    expect(workers[0]!.terminated).toBe(true);
    // The second request gets a fresh worker; the third is gone.
    expect(workers).toHaveLength(2);
    workers[1]!.reply({ type: 'ready' });
    expect(workers[1]!.sent.map((request) => request.context.jobId)).toEqual(['second']);
    workers[1]!.reply({ type: 'result', id: workers[1]!.sent[0]!.id, ok: true, value: 'ok' });
    await expect(second.promise).resolves.toBe('ok');
  });

  it('a request that cannot be sent fails alone; the worker stays', async () => {
    const { workers, run } = makePool({ refuse: true });
    const { promise } = run();
    workers[0]!.reply({ type: 'ready' });
    await expect(promise).rejects.toThrow('could not be cloned');
    expect(workers[0]!.terminated).toBe(false);
  });

  it('close() terminates every worker and resolves once they are gone', async () => {
    const { pool, workers, run } = makePool({ maxWorkers: 2 });
    run('a');
    run('b');
    workers.forEach((worker) => worker.reply({ type: 'ready' }));
    await pool.close();
    expect(workers.map((worker) => worker.terminated)).toEqual([true, true]);
  });
});
