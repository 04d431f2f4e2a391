// horae/tracing loads without @opentelemetry/api installed (every subpath of the package must):
// the API is required on the first call that needs it. Its ES and CommonJS builds share one global
// registry (tracer provider, context manager, context keys), so spans made through either build
// meet the application's.
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import { HoraeError } from '../errors.js';

/** `@opentelemetry/api`, the optional peer dependency of `horae/tracing`, cannot be loaded. */
export class TracingDependencyError extends HoraeError {
  constructor(cause: unknown) {
    super(
      'ERR_TRACING_DEPENDENCY',
      'horae/tracing needs the "@opentelemetry/api" package: npm install @opentelemetry/api',
      { cause },
    );
  }
}

let loaded: typeof OtelApi | undefined;

/** The OpenTelemetry API, loaded on the first call. Throws `TracingDependencyError` when it is not installed. */
export function otelApi(): typeof OtelApi {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
  } catch (cause) {
    throw new TracingDependencyError(cause);
  }
  return loaded;
}
