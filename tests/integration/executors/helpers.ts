import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeJob as makeBareJob } from '../../unit/executors/harness.js';
import type { JobState } from '../../../src/index.js';

export { makeContext, submit } from '../../unit/executors/harness.js';

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/executors');
export const JOBS_MODULE = resolve(FIXTURES, 'jobs.mjs');

/** The `'module:export'` reference of a fixture job, absolute so it resolves from any baseDir. */
export function ref(exportName: string): string {
  return `${JOBS_MODULE}:${exportName}`;
}

/** A job running the fixture `noop` unless told otherwise. */
export function makeJob(overrides: Partial<JobState> = {}): JobState {
  return makeBareJob({ func: ref('noop'), ...overrides });
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
