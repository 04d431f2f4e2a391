// horae/nest loads without Nest installed (every subpath of the package must): Nest is required on
// first use instead of imported. Nest 12 is ES modules, which require() loads since Node 20.19 and
// 22.12, as the same module instance the application imported.
import { createRequire } from 'node:module';
import type * as NestCommon from '@nestjs/common';
import type * as NestCore from '@nestjs/core';
import { HoraeError } from '../errors.js';

/** `@nestjs/common` or `@nestjs/core`, the optional peer dependencies of `horae/nest`, cannot be loaded. */
export class NestDependencyError extends HoraeError {
  constructor(cause: unknown) {
    const esm = (cause as { code?: unknown } | null)?.code === 'ERR_REQUIRE_ESM';
    super(
      'ERR_NEST_DEPENDENCY',
      esm
        ? `horae/nest loads Nest with require(), which needs Node.js 20.19 or 22.12 or newer for Nest 12 (this is ${process.version})`
        : 'horae/nest needs the "@nestjs/common" and "@nestjs/core" packages: npm install @nestjs/common @nestjs/core reflect-metadata rxjs',
      { cause },
    );
  }
}

/** The two Nest packages horae/nest uses. */
export interface NestRuntime {
  common: typeof NestCommon;
  core: typeof NestCore;
}

let runtime: NestRuntime | undefined;

/** Nest, loaded on the first call. Throws `NestDependencyError` when it cannot be. */
export function nestRuntime(): NestRuntime {
  if (runtime !== undefined) return runtime;
  const require = createRequire(import.meta.url);
  try {
    runtime = {
      common: require('@nestjs/common') as typeof NestCommon,
      core: require('@nestjs/core') as typeof NestCore,
    };
  } catch (cause) {
    throw new NestDependencyError(cause);
  }
  return runtime;
}
