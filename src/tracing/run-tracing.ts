import type { Attributes, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { describeValue } from '../describe-value.js';
import { InvalidArgumentError } from '../errors.js';
import type { Run } from '../runs/attempt.js';
import type { RunOutcome } from '../runs/outcome.js';
import type { RunSpan, RunTracer } from '../runs/run-tracer.js';
import { instrumentsOf } from '../scheduler/instruments.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { otelApi } from './otel-api.js';
import { fromTraceContext, toTraceContext } from './trace-context.js';

/** Options of `enableTracing`. */
export interface TracingOptions {
  /** The tracer the run spans come from. Default: `trace.getTracer('horae')` of the global API. */
  tracer?: Tracer;
}

/** What `enableTracing` returns. */
export interface SchedulerTracing {
  /** Stops tracing new runs and keeping trace contexts; spans already started still end. */
  disable(): void;
}

/**
 * Traces a scheduler's runs with OpenTelemetry (`@opentelemetry/api`, an optional peer dependency
 * that only `horae/tracing` imports). Each run that starts gets a span, `horae.run <job name>`, from
 * its first attempt's start to its outcome, with the job's id, trigger, store and executor, the
 * scheduled time, the attempts made and the outcome; a failure is recorded on it as an exception and
 * an error status, and each retry is an event. The job function runs with the span as the active
 * context, so the spans it makes are children of it (on the async executor: a thread or process
 * executor runs the job elsewhere). A job added while a span was active keeps that span's W3C trace
 * context (in its store too) and each of its run spans links to it.
 *
 * Without an OpenTelemetry SDK registered, the API's tracer makes no-op spans. Throws
 * `InvalidArgumentError` for a value that is not a Horae scheduler, or one already traced.
 *
 * @example
 * import { enableTracing } from 'horae/tracing';
 * enableTracing(scheduler);
 */
export function enableTracing(scheduler: Scheduler, options: TracingOptions = {}): SchedulerTracing {
  const instruments = instrumentsOf(scheduler);
  if (instruments === undefined) {
    throw new InvalidArgumentError(
      `Invalid scheduler ${describeValue(scheduler)}: expected a Horae Scheduler`,
      { field: 'scheduler', value: scheduler },
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`Invalid tracing options ${describeValue(options)}: expected an object`, {
      field: 'options',
      value: options,
    });
  }
  const api = otelApi();
  const { tracer = api.trace.getTracer('horae') } = options;
  if (tracer === null || typeof tracer !== 'object' || typeof tracer.startSpan !== 'function') {
    throw new InvalidArgumentError(
      `Invalid tracing option tracer ${describeValue(tracer)}: expected an OpenTelemetry Tracer`,
      { field: 'tracer', value: tracer },
    );
  }
  if (instruments.tracer !== null) {
    throw new InvalidArgumentError('Tracing is already enabled on this scheduler', { field: 'scheduler' });
  }
  const runTracer = new OpenTelemetryRunTracer(api, tracer);
  instruments.tracer = runTracer;
  return {
    disable() {
      if (instruments.tracer === runTracer) instruments.tracer = null;
    },
  };
}

type OtelApi = ReturnType<typeof otelApi>;

class OpenTelemetryRunTracer implements RunTracer {
  constructor(
    private readonly api: OtelApi,
    private readonly tracer: Tracer,
  ) {}

  capture() {
    const { trace, context } = this.api;
    return toTraceContext(trace.getSpanContext(context.active()));
  }

  start(run: Run, executor: string, startedMs: number): RunSpan {
    const { api } = this;
    const { job, jobStore, scheduledRunTime } = run;
    const added = fromTraceContext(job.traceContext);
    // A new trace, not a child of whatever context the scheduler's timer carries (its start()'s).
    // The attributes are set once the span is known to record: with no SDK registered (the API's
    // no-op tracer) or a span sampled out, a run costs no attribute strings and no context.
    const options: SpanOptions = { kind: api.SpanKind.INTERNAL, root: true, startTime: startedMs };
    if (added !== undefined) options.links = [{ context: added, attributes: { 'horae.link': 'job_added' } }];
    const span = this.tracer.startSpan(`horae.run ${job.name}`, options, api.ROOT_CONTEXT);
    if (!span.isRecording()) {
      // Sampled out, its context still goes to the job's own spans (a parent-based sampler reads
      // it); with no SDK at all there is no context to give.
      // (The no-op tracer's spans carry the API's one invalid context: compared first, as that
      // is every run of a process with no SDK.)
      const spanContext = span.spanContext();
      return spanContext !== api.INVALID_SPAN_CONTEXT && api.isSpanContextValid(spanContext)
        ? new OpenTelemetryRunSpan(api, span)
        : UNTRACED;
    }
    const attributes: Attributes = {
      'horae.job.id': job.id,
      'horae.job.name': job.name,
      'horae.job.trigger': String(job.trigger),
      'horae.job.store': jobStore,
      'horae.executor': executor,
      'horae.run.scheduled_time': scheduledRunTime.toISOString(),
    };
    if (run.manual) attributes['horae.run.manual'] = true;
    span.setAttributes(attributes);
    return new OpenTelemetryRunSpan(api, span);
  }
}

class OpenTelemetryRunSpan implements RunSpan {
  private readonly active;

  constructor(
    private readonly api: OtelApi,
    private readonly span: Span,
  ) {
    this.active = api.trace.setSpan(api.ROOT_CONTEXT, span);
  }

  within<T>(fn: () => T): T {
    return this.api.context.with(this.active, fn);
  }

  retry(attempt: number, error: unknown, delay: number): void {
    if (!this.span.isRecording()) return;
    this.span.addEvent('horae.retry', {
      'horae.run.attempt': attempt,
      'horae.retry.delay_seconds': delay,
      ...exceptionAttributes(error),
    });
  }

  end(outcome: RunOutcome, attempts: number): void {
    const { span } = this;
    if (!span.isRecording()) {
      span.end(outcome.finishedMs);
      return;
    }
    span.setAttribute('horae.run.outcome', outcome.status);
    span.setAttribute('horae.run.attempts', attempts);
    if (outcome.status !== 'success') {
      const error = outcome.value;
      span.recordException(error instanceof Error ? error : String(error), outcome.finishedMs);
      span.setStatus({
        code: this.api.SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    span.end(outcome.finishedMs);
  }
}

/** The span of a run when no SDK is registered: nothing to record, no context to give. */
const UNTRACED: RunSpan = {
  within: (fn) => fn(),
  retry: () => undefined,
  end: () => undefined,
};

/** The OpenTelemetry exception attributes of a failed attempt. */
function exceptionAttributes(error: unknown): Attributes {
  if (!(error instanceof Error)) return { 'exception.message': String(error) };
  return { 'exception.type': error.name, 'exception.message': error.message };
}
