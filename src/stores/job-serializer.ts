import { SerializationError } from '../errors.js';
import type { JobState, RetryPolicy, TraceContext } from '../job-state.js';
import { assertJsonSafe } from '../serialization.js';
import { triggerFromJSON } from '../triggers/registry.js';
import type { TriggerJSON } from '../triggers/trigger.js';

/** The stored form of a job, the same in every persistent store. Times are epoch milliseconds. */
export interface SerializedJob {
  version: 1;
  id: string;
  name: string;
  /** A `'module:export'` reference or a registered task name. */
  func: string;
  trigger: TriggerJSON;
  executor: string;
  args: unknown[];
  misfireGraceTime: number | null;
  coalesce: boolean;
  maxInstances: number;
  nextRunTime: number | null;
  nextFireTime: number | null;
  timeout: number | null;
  retry: RetryPolicy | null;
  /** The trace context of the job's `addJob` (`horae/tracing`); absent when none was kept. */
  traceContext?: SerializedTraceContext;
  /** Present (and true) only for a job that asks to be run again after an interruption. */
  requestsRecovery?: true;
}

export const SERIALIZED_JOB_VERSION = 1;

/**
 * `JobState.traceContext` as stored, with a version of its own: an optional field needs no new job
 * version, and a reader that does not know its version drops the link rather than the job.
 */
export interface SerializedTraceContext extends TraceContext {
  version: 1;
}

/** Turns a job into its stored form. Throws `SerializationError` for a function object or non-JSON args. */
export function serializeJob(job: JobState): SerializedJob {
  if (typeof job.func !== 'string') {
    throw new SerializationError(
      `Job "${job.id}" has a function object; a persistent store needs a "module:export" reference or a registered task name`,
      { path: 'func' },
    );
  }
  assertJsonSafe(job.args, 'args');
  const serialized: SerializedJob = {
    version: SERIALIZED_JOB_VERSION,
    id: job.id,
    name: job.name,
    func: job.func,
    trigger: job.trigger.toJSON(),
    executor: job.executor,
    args: job.args,
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    nextRunTime: job.nextRunTime?.getTime() ?? null,
    nextFireTime: job.nextFireTime?.getTime() ?? null,
    timeout: job.timeout,
    retry: job.retry,
  };
  if (job.traceContext !== undefined) serialized.traceContext = { version: 1, ...job.traceContext };
  if (job.requestsRecovery === true) serialized.requestsRecovery = true;
  return serialized;
}

/** Rebuilds a job from its stored form. Throws `SerializationError` (with the cause) when it cannot be read. */
export function deserializeJob(document: unknown): JobState {
  const doc = document as SerializedJob;
  if (doc === null || typeof doc !== 'object' || typeof doc.id !== 'string') {
    throw new SerializationError('Stored job is not an object with a string id');
  }
  if (doc.version !== SERIALIZED_JOB_VERSION) {
    throw new SerializationError(
      `Stored job "${doc.id}" has version ${String(doc.version)}; this Horae reads version ${SERIALIZED_JOB_VERSION}`,
    );
  }
  try {
    const job: JobState = {
      id: doc.id,
      name: doc.name,
      func: doc.func,
      trigger: triggerFromJSON(doc.trigger),
      executor: doc.executor,
      args: doc.args,
      misfireGraceTime: doc.misfireGraceTime,
      coalesce: doc.coalesce,
      maxInstances: doc.maxInstances,
      nextRunTime: doc.nextRunTime === null ? null : new Date(doc.nextRunTime),
      nextFireTime: doc.nextFireTime === null ? null : new Date(doc.nextFireTime),
      timeout: doc.timeout ?? null,
      retry: doc.retry ?? null,
    };
    const traceContext = readTraceContext(doc.traceContext);
    if (traceContext !== undefined) job.traceContext = traceContext;
    if (doc.requestsRecovery === true) job.requestsRecovery = true;
    return job;
  } catch (cause) {
    throw new SerializationError(`Stored job "${doc.id}" cannot be read: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** A stored trace context this Horae can read, else undefined: a lost link never loses the job. */
function readTraceContext(stored: SerializedTraceContext | undefined): TraceContext | undefined {
  if (stored?.version !== 1 || typeof stored.traceparent !== 'string') return undefined;
  const { traceparent, tracestate } = stored;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}
