import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { waitUntil } from './wait.js';

/** The process fixtures: scheduler-process.mjs, record-run.mjs, and the claim loop of the SQLite race test. */
export const STORE_FIXTURES = resolve(import.meta.dirname, '../integration/fixtures/stores');

/**
 * The job function that records each run in the run log (see `RunLine`): a job
 * `[RECORD_RUN, 'interval', { seconds: 1 }]`. Its one argument, `holdMs`, keeps each run going that
 * long, for a job that must outlast its interval.
 */
export const RECORD_RUN = `${resolve(STORE_FIXTURES, 'record-run.mjs')}:record`;

/**
 * The same job held `holdMs` (its one argument), logged once when it ends, with `RunLine.end`: for
 * tests that check that runs never overlap. A run cut short (a killed process) is not logged.
 */
export const RECORD_SPAN = `${resolve(STORE_FIXTURES, 'record-run.mjs')}:span`;

/** A job as `scheduler.addJob(func, trigger, options)` takes it, in JSON. */
export type JobSpec = [func: string, trigger: string, options: Record<string, unknown>];

/**
 * An event broker for a scheduler process: the subpath `horae/brokers/<module>` and the options of
 * its class (`PostgresEventBroker`, `RedisEventBroker`, `MqttEventBroker`), as JSON.
 */
export interface BrokerConfig {
  module: 'postgres' | 'redis' | 'mqtt';
  options: Record<string, unknown>;
}

/** One scheduler process: what scheduler-process.mjs runs. */
export interface SchedulerProcessConfig {
  /** The built package, from `buildDist()`. */
  dist: string;
  /** A job store URL: `sqlite:///...`, `postgres://...`, `mysql://...`, `redis://...?prefix=...`. */
  storeUrl: string;
  /** The subpath module that registers the URL's scheme: `'sqlite'`, `'postgres'`, `'mysql'`, `'redis'`. */
  storeModule: string;
  /** The scheduler's id; it names the process in run lines, events and messages. */
  schedulerId: string;
  /** The file the job function appends its runs to (`RunLine`s); several processes may share one. */
  runLog: string;
  /** `new Scheduler()` options, as JSON, over the fixture's `{ timezone: 'UTC', leaseTime: 60, maxSleep: 1 }`. */
  scheduler?: Record<string, unknown>;
  /** The scheduler's `eventBroker`, made in the process. Default: none (nodes poll). */
  broker?: BrokerConfig;
  /** Jobs added before the scheduler starts. */
  jobs?: JobSpec[];
  /** How long `started` waits for the scheduler to start. Default 30 s. */
  startTimeoutMs?: number;
}

/** One run, as the job function saw it when it began. */
export interface RunLine {
  jobId: string;
  /** The run's scheduled time, epoch ms. */
  scheduled: number;
  /** When it began, epoch ms. */
  at: number;
  /** When it ended, epoch ms: only in the lines of `RECORD_SPAN`, written when the run ends. */
  end?: number;
  /** The `schedulerId` of the process that ran it, and its pid (a restarted scheduler keeps its id). */
  scheduler: string;
  pid: number;
}

/** A scheduler event as the process printed it: `name` is the `scheduler.on` name, dates are epoch ms. */
export interface ReportedEvent {
  name: string;
  /** When the process saw it, epoch ms. */
  at: number;
  /** The `schedulerId` of the process that reported it. */
  scheduler: string;
  jobId?: string;
  scheduledRunTime?: number;
  scheduledRunTimes?: number[];
  /** An exception as `Name: message`. */
  exception?: unknown;
  [field: string]: unknown;
}

export interface SchedulerProcess {
  readonly schedulerId: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /**
   * Resolves with the time (epoch ms, in the process) of its `scheduler_started` event: its jobs are
   * stored and it is about to look for due ones. Rejects, with its stderr, when it exits first or
   * does not start within `startTimeoutMs`.
   */
  readonly started: Promise<number>;
  /** Every event it has reported so far, in order; grows as it runs. */
  readonly events: readonly ReportedEvent[];
  /** What it wrote to stderr (its logger's warnings and errors, a crash's stack). */
  stderr(): string;
  running(): boolean;
  /** SIGTERM, then waits for a clean exit (code 0); rejects, and kills it, when that fails or takes longer than `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL, as a crash; resolves with the time (epoch ms) it was seen gone. */
  kill(): Promise<number>;
  /**
   * Asks the running scheduler to do `op` (`'addJob'`, `'runJob'`, `'getNodes'`: see `COMMANDS` in
   * scheduler-process.mjs) with JSON `args`; resolves with its answer (dates as epoch ms), rejects
   * with its error (`Name: message`) or when the process exits first.
   */
  call(op: string, ...args: unknown[]): Promise<unknown>;
}

/** A node as `getNodes()` lists it, in the JSON a scheduler process answers with: dates as epoch ms. */
export interface ReportedNode {
  id: string;
  role: string;
  hostname: string;
  pid: number;
  startedAt: number;
  lastHeartbeat: number;
  expiresAt: number;
  executors: string[];
}

/** Spawns one scheduler process running the built package (see scheduler-process.mjs). */
export function spawnScheduler(config: SchedulerProcessConfig): SchedulerProcess {
  const { dist, runLog, startTimeoutMs = 30_000, ...fixtureConfig } = config;
  const child = spawn(
    process.execPath,
    [resolve(STORE_FIXTURES, 'scheduler-process.mjs'), JSON.stringify(fixtureConfig)],
    {
      env: { ...process.env, HORAE_DIST: dist, HORAE_RUN_LOG: runLog },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const label = `scheduler process '${config.schedulerId}' (pid ${child.pid})`;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events: ReportedEvent[] = [];
  const replies = new Map<number, { result?: unknown; error?: string }>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    // Anything else a job prints is not the fixture's.
    if (line.startsWith('{"name":'))
      events.push({ ...(JSON.parse(line) as ReportedEvent), scheduler: config.schedulerId });
    else if (line.startsWith('{"reply":')) {
      const { reply, ...answer } = JSON.parse(line) as { reply: number; result?: unknown; error?: string };
      replies.set(reply, answer);
    }
  });
  // A process killed while a command is on its way must not fail the test with EPIPE.
  child.stdin?.on('error', () => undefined);
  let commands = 0;
  // 'close', not 'exit': by then every event the process printed has been read.
  let exit: string | undefined;
  child.on('close', (code, signal) => (exit = code === null ? `signal ${signal}` : `code ${code}`));
  const running = () => exit === undefined;
  const tail = () => (stderr === '' ? '(stderr empty)' : `stderr:\n${stderr}`);

  const startedAt = () => events.find((event) => event.name === 'scheduler_started')?.at;
  const started = (async () => {
    await waitUntil(
      () => startedAt() !== undefined || !running(),
      () => `${label} to start; ${tail()}`,
      startTimeoutMs,
      10,
    );
    const at = startedAt();
    if (at === undefined) throw new Error(`${label} exited (${exit}) before it started; ${tail()}`);
    return at;
  })();
  // A test that never awaits it must not see an unhandled rejection; one that does still gets it.
  started.catch(() => undefined);

  return {
    schedulerId: config.schedulerId,
    pid: child.pid as number,
    child,
    started,
    events,
    stderr: () => stderr,
    running,
    stop: async (timeoutMs = 15_000) => {
      if (!running())
        throw new Error(`${label} had already exited (${exit}) when it was to be stopped; ${tail()}`);
      child.kill('SIGTERM');
      try {
        await waitUntil(() => !running(), `${label} to exit after SIGTERM; ${tail()}`, timeoutMs, 10);
      } catch (error) {
        child.kill('SIGKILL');
        throw error;
      }
      if (exit !== 'code 0') throw new Error(`${label} exited with ${exit} after SIGTERM, not 0; ${tail()}`);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await waitUntil(() => !running(), `${label} to exit after SIGKILL`, 15_000, 5);
      return Date.now();
    },
    call: async (op, ...args) => {
      const id = ++commands;
      child.stdin?.write(`${JSON.stringify({ id, op, args })}\n`);
      await waitUntil(
        () => replies.has(id) || !running(),
        () => `${label} to answer ${op}; ${tail()}`,
        15_000,
        5,
      );
      const answer = replies.get(id);
      replies.delete(id);
      if (answer === undefined)
        throw new Error(`${label} exited (${exit}) before it answered ${op}; ${tail()}`);
      if (answer.error !== undefined) throw new Error(`${label} failed ${op}: ${answer.error}`);
      return answer.result;
    },
  };
}

/**
 * The runs in a run log, read incrementally: each call reads only what was appended since the last,
 * up to the last complete line, and returns a copy of everything read so far.
 */
export class RunLog {
  private readonly lines: RunLine[] = [];
  private offset = 0;

  constructor(readonly file: string) {}

  runs(): RunLine[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return []; // No run yet.
    }
    try {
      const size = fstatSync(fd).size;
      if (size > this.offset) {
        const chunk = Buffer.alloc(size - this.offset);
        readSync(fd, chunk, 0, chunk.length, this.offset);
        const end = chunk.lastIndexOf('\n');
        if (end >= 0) {
          for (const line of chunk.subarray(0, end).toString().split('\n'))
            this.lines.push(JSON.parse(line) as RunLine);
          this.offset += end + 1;
        }
      }
    } finally {
      closeSync(fd);
    }
    return this.lines.slice();
  }
}

/** Resolves at `time` (epoch ms): for a step a scenario takes at a given time, never to wait for something. */
export function sleepUntil(time: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, Math.max(0, time - Date.now())));
}
