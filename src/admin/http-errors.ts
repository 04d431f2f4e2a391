import {
  ConflictingIdError,
  FunctionLookupError,
  HoraeError,
  InvalidArgumentError,
  InvalidTriggerError,
  JobLookupError,
  LookupError,
  MaxInstancesReachedError,
  SchedulerNotRunningError,
  SerializationError,
} from '../errors.js';

/** The JSON body of every error response: `{ error: { code, message, field? } }`. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** A JSON error response. */
export function errorResponse(status: number, code: string, message: string, field?: string): Response {
  const body: ErrorBody = { error: field === undefined ? { code, message } : { code, message, field } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** A request the handler refuses before it reaches the scheduler (body too big, not JSON, ...). */
export class HttpError extends HoraeError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly field?: string,
  ) {
    super(code, message);
  }
}

/**
 * The HTTP status of an error the scheduler threw: 400 for bad input, 404 for an unknown job,
 * 409 for a conflict with the scheduler's state; `null` for one that is not the caller's fault.
 */
export function statusOf(error: unknown): number | null {
  if (error instanceof HttpError) return error.status;
  if (error instanceof JobLookupError) return 404;
  if (
    error instanceof InvalidArgumentError ||
    error instanceof InvalidTriggerError ||
    error instanceof SerializationError ||
    error instanceof FunctionLookupError ||
    error instanceof LookupError
  ) {
    return 400;
  }
  if (
    error instanceof ConflictingIdError ||
    error instanceof MaxInstancesReachedError ||
    error instanceof SchedulerNotRunningError
  ) {
    return 409;
  }
  return null;
}

/** The response for `error`: its status, code and message, or a 500 that does not leak internals. */
export function responseForError(error: unknown): Response {
  const status = statusOf(error);
  if (status === null || !(error instanceof HoraeError)) {
    return errorResponse(500, 'ERR_INTERNAL', 'The admin handler failed; the server log has the details');
  }
  const field = (error as { field?: unknown }).field;
  return errorResponse(status, error.code, error.message, typeof field === 'string' ? field : undefined);
}
