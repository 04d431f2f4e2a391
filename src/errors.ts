/**
 * Every error Horae throws on a public path is a `HoraeError` with a stable `code`, so callers can
 * match on `err.code` (or `instanceof`) rather than on message text. Structured fields (`jobId`,
 * `field`, ...) say what was wrong; `cause` keeps the underlying error when there is one.
 */
export class HoraeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A job with this id already exists in the target store (and `replaceExisting` was not set). */
export class ConflictingIdError extends HoraeError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('ERR_CONFLICTING_ID', `Job identifier "${jobId}" conflicts with an existing job`);
    this.jobId = jobId;
  }
}

/** No job with this id exists (in the given store, or in any store). */
export class JobLookupError extends HoraeError {
  readonly jobId: string;
  readonly jobStore: string | undefined;
  constructor(jobId: string, jobStore?: string) {
    super(
      'ERR_JOB_LOOKUP',
      `No job by the id of "${jobId}" was found${jobStore === undefined ? '' : ` in job store "${jobStore}"`}`,
    );
    this.jobId = jobId;
    this.jobStore = jobStore;
  }
}

/** `start()` was called on a scheduler that is already running (or paused). */
export class SchedulerAlreadyRunningError extends HoraeError {
  constructor() {
    super('ERR_SCHEDULER_ALREADY_RUNNING', 'Scheduler is already running');
  }
}

/** An operation that needs a running scheduler (such as `shutdown()`) was called while it was stopped. */
export class SchedulerNotRunningError extends HoraeError {
  constructor() {
    super('ERR_SCHEDULER_NOT_RUNNING', 'Scheduler is not running');
  }
}

/** A run was refused because the job already has `maxInstances` runs in progress. */
export class MaxInstancesReachedError extends HoraeError {
  readonly jobId: string;
  readonly maxInstances: number;
  constructor(jobId: string, maxInstances: number) {
    super(
      'ERR_MAX_INSTANCES_REACHED',
      `Job "${jobId}" has reached its maximum number of concurrently running instances (${maxInstances})`,
    );
    this.jobId = jobId;
    this.maxInstances = maxInstances;
  }
}

/**
 * A trigger was given arguments it cannot use. `field` names the argument (`hour`, `interval`,
 * `timezone`, ...), `value` quotes the offending input and the message says what is allowed.
 */
export class InvalidTriggerError extends HoraeError {
  readonly field: string | undefined;
  readonly value: unknown;
  constructor(message: string, details: { field?: string; value?: unknown; cause?: unknown } = {}) {
    super('ERR_INVALID_TRIGGER', message, { cause: details.cause });
    this.field = details.field;
    this.value = details.value;
  }
}

/** A job option, job function or scheduler option is not valid. `field` names it. */
export class InvalidArgumentError extends HoraeError {
  readonly field: string | undefined;
  readonly value: unknown;
  constructor(message: string, details: { field?: string; value?: unknown; cause?: unknown } = {}) {
    super('ERR_INVALID_ARGUMENT', message, { cause: details.cause });
    this.field = details.field;
    this.value = details.value;
  }
}

/**
 * A `'module:export'` reference (or a registered task name) could not be resolved to a function.
 * `module` and `exportName` say which part failed.
 */
export class FunctionLookupError extends HoraeError {
  readonly reference: string;
  readonly module: string | undefined;
  readonly exportName: string | undefined;
  constructor(
    reference: string,
    message: string,
    details: { module?: string; exportName?: string; cause?: unknown } = {},
  ) {
    super('ERR_FUNCTION_LOOKUP', message, { cause: details.cause });
    this.reference = reference;
    this.module = details.module;
    this.exportName = details.exportName;
  }
}

/** A value (job args, trigger state) cannot be stored faithfully. `path` points into the value. */
export class SerializationError extends HoraeError {
  readonly path: string | undefined;
  constructor(message: string, details: { path?: string; cause?: unknown } = {}) {
    super('ERR_SERIALIZATION', message, { cause: details.cause });
    this.path = details.path;
  }
}

/** A job store failed or was misconfigured (bad URL, unreachable database, unknown schema). */
export class JobStoreError extends HoraeError {
  readonly jobStore: string | undefined;
  constructor(message: string, details: { jobStore?: string; cause?: unknown } = {}) {
    super('ERR_JOB_STORE', message, { cause: details.cause });
    this.jobStore = details.jobStore;
  }
}

/** An executor alias or job store alias was not found, or is already taken. */
export class LookupError extends HoraeError {
  readonly alias: string;
  constructor(kind: 'executor' | 'job store', alias: string, message?: string) {
    super('ERR_LOOKUP', message ?? `No ${kind} by the alias of "${alias}" was found`);
    this.alias = alias;
  }
}
