// What the Fastify, Express and Hono integration tests share: a SQLite store in a temporary file,
// a job that runs until the test lets it finish, and the run records read back as another process
// would, after the app has closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler, silentLogger, type RunRecord, type SchedulerOptions } from '../../../src/index.js';
import { SqliteJobStore } from '../../../src/stores/sqlite/index.js';

/** A SQLite file of its own, and the options of a quiet scheduler on it. */
export interface SqliteFixture {
  path: string;
  options(): SchedulerOptions;
  remove(): void;
}

export function sqliteFixture(): SqliteFixture {
  const dir = mkdtempSync(join(tmpdir(), 'horae-web-'));
  const path = join(dir, 'jobs.sqlite');
  return {
    path,
    options: () => ({ jobStores: { default: new SqliteJobStore({ path }) }, logger: silentLogger }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A job function that runs until `release()`: `running` tells when it has begun. */
export interface HeldJob {
  fn: () => Promise<string>;
  readonly running: boolean;
  readonly finished: boolean;
  release(): void;
}

export function heldJob(): HeldJob {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = { running: false, finished: false };
  return {
    fn: async () => {
      state.running = true;
      await gate;
      state.finished = true;
      return 'drained';
    },
    get running() {
      return state.running;
    },
    get finished() {
      return state.finished;
    },
    release: () => release(),
  };
}

/** The run records of `jobId` in the SQLite file, read by a scheduler of their own. */
export async function storedRuns(path: string, jobId: string): Promise<RunRecord[]> {
  const reader = new Scheduler({
    jobStores: { default: new SqliteJobStore({ path }) },
    logger: silentLogger,
  });
  await reader.start({ paused: true });
  try {
    return await reader.getRuns(jobId);
  } finally {
    await reader.shutdown();
  }
}

/** Lets pending callbacks and I/O run a few times: enough for a close that does not wait to finish. */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
}
