// A job's trace context as W3C `traceparent`/`tracestate` strings, written and read here without a
// propagator, so that a link survives whatever propagator (or none) the application registers.
import type { SpanContext } from '@opentelemetry/api';
import { otelApi } from './otel-api.js';
import type { TraceContext } from '../job-state.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C form of a span context; undefined for an invalid one (no span was active). */
export function toTraceContext(spanContext: SpanContext | undefined): TraceContext | undefined {
  if (spanContext === undefined || !otelApi().isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const tracestate = spanContext.traceState?.serialize();
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}

/** The remote span context a job's trace context names; undefined when it cannot be read. */
export function fromTraceContext(traceContext: TraceContext | undefined): SpanContext | undefined {
  const match = traceContext === undefined ? null : TRACEPARENT.exec(traceContext.traceparent);
  if (match === null) return undefined;
  const api = otelApi();
  const spanContext: SpanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: parseInt(match[3] as string, 16) & api.TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (traceContext?.tracestate !== undefined)
    spanContext.traceState = api.createTraceState(traceContext.tracestate);
  return api.isSpanContextValid(spanContext) ? spanContext : undefined;
}
