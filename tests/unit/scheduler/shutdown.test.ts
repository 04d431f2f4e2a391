// Issue 11: a second shutdown() while one is in progress waits for it; a failed start() leaves the
// pending jobs listable.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { EVENT_SCHEDULER_SHUTDOWN, JobStoreError, SchedulerNotRunningError } from '../../../src/index.js';
import { codes, useSchedulers } from './helpers.js';

const setup = useSchedulers();

describe('shutdown()', () => {
  it('called again while a shutdown is in progress waits for it and resolves', async () => {
    const { clock, scheduler, events } = setup();
    let release = () => {};
    let started = false;
    await scheduler.start();
    await scheduler.addJob(
      () =>
        new Promise<void>((resolve) => {
          started = true;
          release = resolve;
        }),
    );
    await clock.advance(0);
    expect(started).toBe(true);
    let firstDone = false;
    const first = scheduler.shutdown().then(() => (firstDone = true));
    const second = scheduler.shutdown();
    // The second call must not resolve before the first has finished: the job is still running.
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondDone).toBe(false);
    release();
    await second;
    expect(firstDone).toBe(true);
    await first;
    expect(codes(events).filter((code) => code === EVENT_SCHEDULER_SHUTDOWN)).toHaveLength(1);
    await expect(scheduler.shutdown()).rejects.toBeInstanceOf(SchedulerNotRunningError);
  });

  it('with run() and a SIGINT handler of the program that calls it too, Ctrl-C exits 0 quietly', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'run-with-sigint.mts')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        stdout += `${line}\n`;
        if (line === 'ready') resolve();
      });
      void exited.then((code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
    });
    child.kill('SIGINT');
    const code = await exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('shut down by my handler');
    expect(stdout).toContain('run() resolved');
  }, 120_000);
});

describe('after a failed start()', () => {
  it('getJobs() and printJobs() list the pending jobs', async () => {
    const { scheduler } = setup({ jobStores: { default: 'sqlite:///no/such/directory/jobs.sqlite' } });
    await scheduler.registerTask('report', () => undefined);
    await scheduler.addJob('report', 'interval', { minutes: 5, id: 'report' });
    await expect(scheduler.start()).rejects.toBeInstanceOf(JobStoreError);
    expect(scheduler.state).toBe('stopped');
    expect((await scheduler.getJobs()).map((job) => [job.id, job.pending])).toEqual([['report', true]]);
    const lines: string[] = [];
    const text = await scheduler.printJobs({ out: (line) => lines.push(line) });
    expect(lines).toEqual(['Pending jobs:', '    report (trigger: interval[0:05:00], pending)']);
    expect(text).toBe(lines.join('\n'));
  });
});
