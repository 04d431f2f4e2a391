import type { RunRequest, WorkerMessage } from './protocol.js';

/** How a worker ended, as its thread or process reports it. */
export interface WorkerDeath {
  exitCode: number | null;
  signal: string | null;
  /** The error a worker thread emitted before exiting (`ERR_WORKER_OUT_OF_MEMORY`, ...). */
  error?: unknown;
  /** The last lines a worker process wrote to stderr (V8 prints its out-of-memory report there). */
  stderrTail?: string;
}

/** What a pool needs from one worker, whatever it runs in. */
export interface WorkerHandle {
  /** Thread id or process id. */
  readonly id: number;
  /** Throws when `message` cannot be cloned (or the worker is gone); the worker is then left as it was. */
  send(message: RunRequest): void;
  /** Stops the worker at once (a process gets SIGTERM, then SIGKILL after a second); resolves when it is gone. */
  terminate(): Promise<void>;
  /** A busy worker keeps the event loop alive; an idle one does not. */
  ref(): void;
  unref(): void;
}

export interface WorkerEvents {
  message(message: WorkerMessage): void;
  /** Called once, when the worker is gone, however it ended. */
  exit(death: WorkerDeath): void;
}

export interface SpawnOptions {
  /** The worker's code (`THREAD_SOURCE` or `PROCESS_SOURCE`). */
  source: string;
  /** Heap limit of the worker, in MB. */
  memoryLimitMb: number | undefined;
}

export type Spawner = (options: SpawnOptions, events: WorkerEvents) => WorkerHandle;
