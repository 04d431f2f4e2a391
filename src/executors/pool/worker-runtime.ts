import type { RunRequest, SerializedError, WorkerMessage, WorkerTransport } from './protocol.js';

type JobFn = (...args: unknown[]) => unknown;
type EnterContext = (context: object, fn: () => unknown, args: []) => unknown;

/**
 * The code each worker runs. It is not imported in the worker: the pool sends its source
 * (`workerMain.toString()`) to `new Worker(source, { eval: true })` or `node -e`. That keeps one
 * typed source that runs the same from `src/` under vitest and from `dist/`, where a worker file of
 * its own would exist only after a build. So this function must not use anything from outside its
 * own body (imports here are types only) and loads modules through `importModule`, which bundlers
 * leave alone.
 *
 * `contextModule` is the URL of Horae's `job-context.js` when it exists as JavaScript, so that a job
 * calling `currentJob()` in a worker gets its context; `null` runs jobs without one.
 */
export function workerMain(transport: WorkerTransport, contextModule: string | null): void {
  const importModule = new Function('specifier', 'return import(specifier)') as (
    specifier: string,
  ) => Promise<Record<string, unknown>>;
  const loaded = new Map<string, JobFn>();
  const loading = new Map<string, Promise<JobFn>>();
  // Workers are terminated rather than signalled, so the signal a job sees here never aborts.
  const signal = new AbortController().signal;
  let enter: EnterContext | null = null;
  let running = 0;

  const serialize = (error: unknown, depth: number): SerializedError => {
    if (error instanceof Error) {
      const props: Record<string, unknown> = {};
      for (const key of Object.keys(error)) {
        if (key === 'cause' || key === 'name' || key === 'message' || key === 'stack') continue;
        const value = (error as unknown as Record<string, unknown>)[key];
        try {
          props[key] = structuredClone(value);
        } catch {
          props[key] = String(value);
        }
      }
      const serialized: SerializedError = {
        kind: 'error',
        name: error.name,
        message: error.message,
        stack: error.stack,
        props,
      };
      if ('cause' in error && error.cause !== undefined && depth < 8) {
        serialized.cause = serialize(error.cause, depth + 1);
      }
      return serialized;
    }
    try {
      return { kind: 'value', value: structuredClone(error) };
    } catch {
      return { kind: 'value', value: String(error) };
    }
  };

  const lookupError = (request: RunRequest, message: string, cause?: unknown): Error => {
    const error = new Error(message, cause === undefined ? undefined : { cause });
    Object.defineProperty(error, 'name', {
      value: 'FunctionLookupError',
      writable: true,
      configurable: true,
    });
    Object.assign(error, {
      code: 'ERR_FUNCTION_LOOKUP',
      module: request.specifier,
      exportName: request.exportPath,
    });
    return error;
  };

  const load = (request: RunRequest, key: string): Promise<JobFn> => {
    let pending = loading.get(key);
    if (pending === undefined) {
      pending = importModule(request.specifier).then(
        (namespace) => {
          let target: unknown = namespace;
          for (const part of request.exportPath.split('.')) {
            target =
              target !== null && (typeof target === 'object' || typeof target === 'function')
                ? (target as Record<string, unknown>)[part]
                : undefined;
          }
          if (typeof target !== 'function') {
            throw lookupError(
              request,
              target === undefined
                ? `Module "${request.specifier}" has no export "${request.exportPath}"; its exports are: ${Object.keys(namespace).join(', ') || '(none)'}`
                : `Export "${request.exportPath}" of module "${request.specifier}" is a ${typeof target}, not a function`,
            );
          }
          loaded.set(key, target as JobFn);
          return target as JobFn;
        },
        (cause: unknown) => {
          throw lookupError(
            request,
            `Cannot import module "${request.specifier}" in a worker: ${cause instanceof Error ? cause.message : String(cause)}`,
            cause,
          );
        },
      );
      loading.set(key, pending);
      // A module that failed to load is tried again next run (it may have been fixed or installed).
      pending.catch(() => loading.delete(key));
    }
    return pending;
  };

  const run = async (request: RunRequest): Promise<void> => {
    running++;
    let reply: WorkerMessage;
    try {
      const key = `${request.specifier}#${request.exportPath}`;
      const fn = loaded.get(key) ?? (await load(request, key));
      const call = () => fn(...request.args);
      const value = await (enter === null ? call() : enter({ ...request.context, signal }, call, []));
      reply = { type: 'result', id: request.id, ok: true, value };
    } catch (error) {
      reply = { type: 'result', id: request.id, ok: false, error: serialize(error, 0) };
    }
    try {
      transport.send(reply);
    } catch (cause) {
      const error = new Error(
        `The return value of job "${request.context.jobId}" cannot be sent back from its worker: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
      Object.defineProperty(error, 'name', { value: 'DataCloneError', writable: true, configurable: true });
      transport.send({ type: 'result', id: request.id, ok: false, error: serialize(error, 0) });
    }
    if (--running === 0) transport.idle?.();
  };

  // An exception no promise of the job catches (thrown in a timer, say) ends the worker: the pool
  // reports it with the running job and starts a fresh worker.
  process.on('uncaughtException', (error) => {
    transport.send({ type: 'fatal', error: serialize(error, 0) }, () => transport.exit(1));
  });
  transport.onMessage((request) => {
    if (request.type === 'run') void run(request);
  });
  const boot =
    contextModule === null
      ? Promise.resolve()
      : importModule(contextModule).then(
          (namespace) => {
            if (typeof namespace.runInJobContext === 'function') {
              enter = namespace.runInJobContext as EnterContext;
            }
          },
          () => undefined,
        );
  void boot.then(() => {
    transport.send({ type: 'ready' });
    if (running === 0) transport.idle?.();
  });
}
