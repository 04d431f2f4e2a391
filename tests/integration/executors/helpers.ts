import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import type { JobState } from '../../../src/index.js';
import { makeJob } from '../../helpers/jobs.js';
import { waitUntil } from '../../helpers/wait.js';

export { useRuns } from '../../unit/runs/harness.js';
export { makeJob, waitUntil };

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/executors');
export const JOBS_MODULE = resolve(FIXTURES, 'jobs.mjs');

/** The `'module:export'` reference of a fixture job, absolute so it resolves from any baseDir. */
export function ref(exportName: string): string {
  return `${JOBS_MODULE}:${exportName}`;
}

/**
 * A job `id` running the fixture `exportName`, with no misfire grace limit: no test here is about
 * missed runs, and a loaded machine can keep a run queued behind starting workers for seconds.
 */
export function fixtureJob(id: string, exportName: string, overrides: Partial<JobState> = {}): JobState {
  return makeJob(id, null, { func: ref(exportName), misfireGraceTime: null, ...overrides });
}

/**
 * Start marks for the `marked` fixture job, which writes its label to a file as its run begins:
 * call at the top level of a test file. Each call of the returned function gives a fresh file and
 * a wait for that many runs to have begun, so a test waits until its runs are really going in
 * their workers rather than sleeping for a time that a loaded machine can exceed.
 */
export function useMarks() {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'horae-marks-'));
    dirs.push(dir);
    const file = join(dir, 'started');
    const labels = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
    /** Resolves once `count` marked runs have begun. */
    const waitForStarts = (count: number, timeoutMs = 20_000) =>
      waitUntil(
        () => labels().length >= count,
        () => `${count} runs to begin; begun: ${JSON.stringify(labels())}`,
        timeoutMs,
      );
    /** The args of a `marked` job that writes `label`, then runs the fixture `exportName` with `args`. */
    const args = (label: string, exportName: string, ...rest: unknown[]) => [
      file,
      label,
      exportName,
      ...rest,
    ];
    return { file, labels, waitForStarts, args };
  };
}

/** Pids of this process's live child processes (`ps --ppid`), zombies and `ps` itself left out. */
export function childPids(): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are none
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat, comm]) => pid !== undefined && pid !== '' && !stat?.startsWith('Z') && comm !== 'ps')
    .map(([pid]) => Number(pid));
}

/** Live OS threads of this process (worker threads included), from /proc. */
export function threadCount(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((wake) => setTimeout(wake, ms));
}
