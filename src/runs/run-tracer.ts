// The hooks `horae/tracing` attaches to the run path. The core never imports OpenTelemetry: it calls
// these when a tracer is set (`Instruments.tracer`), and does nothing, not even allocate, when not.
import type { TraceContext } from '../job-state.js';
import type { Run } from './attempt.js';
import type { RunOutcome } from './outcome.js';

/** Makes the span of each run that starts, and the trace context a job keeps from its `addJob`. */
export interface RunTracer {
  /** The trace context active now (at `addJob`), to keep with the job; undefined when none. */
  capture(): TraceContext | undefined;
  /** A run's first attempt starts on executor `executor` at `startedMs` (epoch ms). */
  start(run: Run, executor: string, startedMs: number): RunSpan;
}

/** The span of one run, from its first attempt's start to its outcome. */
export interface RunSpan {
  /** Calls `fn` with this span as the active context, so the job's own spans are its children. */
  within<T>(fn: () => T): T;
  /** An attempt failed and will be tried again after `delay` seconds. */
  retry(attempt: number, error: unknown, delay: number): void;
  /** The run ended (`success`, `error` or `timeout`); read at once, not kept. */
  end(outcome: RunOutcome, attempts: number): void;
}
