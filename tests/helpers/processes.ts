import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const STORE_FIXTURES = resolve(import.meta.dirname, '../integration/fixtures/stores');

/** How the fixture `scheduler-process.mjs` runs one scheduler; see that file. */
export interface SchedulerProcessConfig {
  /** A job store URL (`sqlite:///...`, `postgres://...`). */
  storeUrl: string;
  /** The subpath module that registers the URL's scheme: `'sqlite'`, `'postgres'`, `'mysql'`. */
  storeModule: string;
  schedulerId: string;
  leaseTime?: number;
  maxSleep?: number;
  /** Jobs to add before starting, as `[func, trigger, options]` for `addJob`. */
  jobs?: [string, string, Record<string, unknown>][];
  /** Epoch ms to wait for before starting the scheduler. */
  startAt?: number;
  /** Epoch ms at which to shut down cleanly and exit. */
  stopAt?: number;
  /** JSONL files the job function and the listener append to. */
  runLog: string;
  eventLog: string;
}

export interface SchedulerProcess {
  child: ChildProcess;
  /** Resolves with the time the scheduler was started (after `startAt`). */
  started: Promise<number>;
  exited: Promise<number | null>;
  stderr: () => string;
}

export function spawnScheduler(dist: string, config: SchedulerProcessConfig): SchedulerProcess {
  const child = spawn(
    process.execPath,
    [resolve(STORE_FIXTURES, 'scheduler-process.mjs'), JSON.stringify(config)],
    {
      env: {
        ...process.env,
        HORAE_DIST: dist,
        HORAE_RUN_LOG: config.runLog,
        HORAE_EVENT_LOG: config.eventLog,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const started = new Promise<number>((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { started?: number };
      if (message.started !== undefined) resolveStart(message.started);
    });
    void exited.then((code) =>
      reject(new Error(`scheduler process exited (${code}) before starting:\n${stderr}`)),
    );
  });
  started.catch(() => undefined);
  return { child, started, exited, stderr: () => stderr };
}

/** One line of a run log: a run as the job function saw it. */
export interface RunLine {
  jobId: string;
  scheduled: number;
  at: number;
  scheduler: string;
}

export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

export function sleepUntil(time: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, Math.max(0, time - Date.now())));
}
