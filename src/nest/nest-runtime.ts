// horae/nest loads without Nest installed (every subpath of the package must), so it imports Nest
// on first use, with import(): the same module instances the application imported, whatever loads
// it (a require() of Nest's ES modules may give other instances under a loader such as tsx, whose
// classes Nest's injector would not recognise).
import type * as NestCommon from '@nestjs/common';
import type * as NestCore from '@nestjs/core';
import { HoraeError } from '../errors.js';

/** `@nestjs/common` or `@nestjs/core`, the optional peer dependencies of `horae/nest`, cannot be loaded. */
export class NestDependencyError extends HoraeError {
  constructor(cause: unknown) {
    super(
      'ERR_NEST_DEPENDENCY',
      'horae/nest needs the "@nestjs/common" and "@nestjs/core" packages: npm install @nestjs/common @nestjs/core reflect-metadata rxjs',
      { cause },
    );
  }
}

/** The two Nest packages horae/nest uses. */
export interface NestRuntime {
  common: typeof NestCommon;
  core: typeof NestCore;
}

let loading: Promise<NestRuntime> | undefined;
let loaded: NestRuntime | undefined;
const waiting: ((nest: NestRuntime) => void)[] = [];

/** Nest, imported on the first call. Rejects with `NestDependencyError` when it cannot be. */
export function loadNest(): Promise<NestRuntime> {
  loading ??= Promise.all([import('@nestjs/common'), import('@nestjs/core')]).then(
    ([common, core]) => {
      loaded = { common, core };
      for (const use of waiting.splice(0)) use(loaded);
      return loaded;
    },
    (cause: unknown) => {
      loading = undefined;
      throw new NestDependencyError(cause);
    },
  );
  return loading;
}

/**
 * Calls `use` with Nest: now when it is loaded, else when `loadNest()` has loaded it, which
 * `HoraeModule` does while Nest scans the modules, before it makes any provider.
 */
export function withNest(use: (nest: NestRuntime) => void): void {
  if (loaded !== undefined) use(loaded);
  else waiting.push(use);
}
