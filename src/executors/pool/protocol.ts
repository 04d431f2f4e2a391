/**
 * The messages between a worker pool and its workers (threads or processes alike). Everything
 * crosses by structured clone: `postMessage` for threads, IPC with `serialization: 'advanced'` for
 * processes.
 */

/** What a running job sees through `currentJob()` inside a worker (its signal is made there). */
export interface WorkerJobContext {
  jobId: string;
  jobStore: string;
  executor: string;
  scheduledRunTime: Date;
}

/** Pool to worker: run the export `exportPath` (dotted) of module `specifier` with `args`. */
export interface RunRequest {
  type: 'run';
  id: number;
  /** A `file:` URL or a package specifier the worker can `import()` as is. */
  specifier: string;
  exportPath: string;
  args: unknown[];
  context: WorkerJobContext;
}

/** An error as it crosses from a worker: enough to rebuild one with the same name, message and stack. */
export type SerializedError =
  | {
      kind: 'error';
      name: string;
      message: string;
      stack: string | undefined;
      /** The error's other own enumerable properties (`code`, ...), each cloned or as its `String()`. */
      props: Record<string, unknown>;
      cause?: SerializedError;
    }
  /** Something thrown that is not an Error: the value, or its `String()` when it cannot be cloned. */
  | { kind: 'value'; value: unknown };

/** Worker to pool. `fatal` comes just before a worker exits on an uncaught exception. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: SerializedError }
  | { type: 'fatal'; error: SerializedError };

/** How a worker runtime talks to its pool; built by the bootstrap code of each kind of worker. */
export interface WorkerTransport {
  send(message: WorkerMessage, done?: () => void): void;
  onMessage(listener: (message: RunRequest) => void): void;
  /**
   * Called whenever no job is running. A transport may block here briefly for the next request and
   * hand it to the listener itself (threads do, on `Atomics.wait`, which wakes faster than the event loop).
   */
  idle?(): void;
  exit(code: number): void;
}

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an error sent by a worker. The job's own class cannot cross, so the result is an `Error`
 * (or the built-in subclass of that name: `TypeError`, ...) whose `name`, `message`, `stack`,
 * `cause` and other properties (`code`, ...) are the original's; `retryOn` matches on that name.
 */
export function reviveError(serialized: SerializedError): unknown {
  if (serialized.kind === 'value') return serialized.value;
  const Constructor = BUILTIN_ERRORS[serialized.name] ?? Error;
  const error: Error =
    serialized.cause === undefined
      ? new Constructor(serialized.message)
      : new Constructor(serialized.message, { cause: reviveError(serialized.cause) });
  if (error.name !== serialized.name) {
    Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  }
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  Object.assign(error, serialized.props);
  return error;
}
