import { FunctionLookupError, InvalidArgumentError, SerializationError } from '../errors.js';
import { moduleSpecifier, parseReference } from '../function-reference.js';
import type { JobFunction, JobState } from '../job-state.js';

/** Where a worker finds a job's function: a module it can `import()` as is, and a (dotted) export. */
export interface WorkerTarget {
  specifier: string;
  exportPath: string;
}

/**
 * Resolves a job's function for a worker from its `reference` (`RunAttempt.reference`). A function,
 * or a task name without a reference, cannot cross to a worker and throws.
 */
export function workerTarget(
  func: JobFunction | string,
  reference: string | undefined,
  jobId: string,
  kind: 'thread' | 'process',
  baseDir: string,
): WorkerTarget {
  if (typeof func === 'function') throw closureError(func, jobId, kind);
  const parsed = reference === undefined ? null : parseReference(reference);
  if (parsed === null) throw taskNameError(func, kind);
  return { specifier: moduleSpecifier(parsed.modulePart, baseDir), exportPath: parsed.exportPath };
}

/**
 * The checks a thread or process executor makes at `addJob` (`Executor.validateJob`): the function
 * is a reference (or a task registered by one) and the args survive a structured clone.
 */
export function assertWorkerJob(
  job: JobState,
  reference: string | undefined,
  kind: 'thread' | 'process',
): void {
  const { func } = job;
  if (typeof func === 'function') throw closureError(func, job.id, kind);
  if (reference === undefined || parseReference(reference) === null) throw taskNameError(func, kind);
  try {
    structuredClone(job.args);
  } catch (cause) {
    throw new SerializationError(
      `The args of job "${job.id}" cannot be sent to a ${kind} worker (structured clone failed: ${(cause as Error).message})`,
      { path: 'args', cause },
    );
  }
}

function closureError(func: JobFunction, jobId: string, kind: 'thread' | 'process'): InvalidArgumentError {
  return new InvalidArgumentError(
    `Job "${jobId}" uses a ${kind} executor, which runs it in another ${kind}: its function must be a ` +
      `"module:export" reference such as './tasks.js:${func.name || 'run'}', not a function ` +
      `(${func.name || 'anonymous'}); a function's closure cannot be sent to a worker`,
    { field: 'func', value: func },
  );
}

function taskNameError(name: string, kind: 'thread' | 'process'): FunctionLookupError {
  return new FunctionLookupError(
    name,
    `"${name}" is not a "module:export" reference, and a ${kind} executor cannot run a task registered ` +
      `as a function (a function cannot be sent to a worker): use the reference, or register the task ` +
      `by reference, registerTask('${name}', './tasks.js:${name}')`,
  );
}
