// horae/metrics loads without prom-client installed (every subpath of the package must): the
// library is required on the first call that needs it. prom-client is CommonJS, so require() gives
// the same module instance (and the same global `register`) as the application's own import.
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { HoraeError } from '../errors.js';

/** `prom-client`, the optional peer dependency of `horae/metrics`, cannot be loaded. */
export class MetricsDependencyError extends HoraeError {
  constructor(cause: unknown) {
    super(
      'ERR_METRICS_DEPENDENCY',
      'horae/metrics needs the "prom-client" package: npm install prom-client',
      {
        cause,
      },
    );
  }
}

let loaded: typeof PromClient | undefined;

/** prom-client, loaded on the first call. Throws `MetricsDependencyError` when it is not installed. */
export function promClient(): typeof PromClient {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  } catch (cause) {
    throw new MetricsDependencyError(cause);
  }
  return loaded;
}
