import { createRequire } from 'node:module';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FunctionLookupError, InvalidArgumentError } from '../errors.js';
import type { JobFunction } from '../job-state.js';

/**
 * Turns the string form of a job function into the function: either the name of a task registered
 * with `registerTask`, or a `'module:export'` reference. The module part is a package name, an
 * absolute path, or a path relative to `baseDir`; the export part may be dotted (`'tasks.js:mail.send'`).
 */
export class FunctionResolver {
  private readonly tasks = new Map<string, JobFunction>();
  private readonly cache = new Map<string, JobFunction>();

  constructor(private readonly baseDir: () => string) {}

  registerTask(name: string, fn: JobFunction): void {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError(
        `Invalid task name ${JSON.stringify(name)}: expected a non-empty string`,
        {
          field: 'name',
          value: name,
        },
      );
    }
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(`Task "${name}" must be a function, got ${typeof fn}`, {
        field: 'fn',
        value: fn,
      });
    }
    this.tasks.set(name, fn);
  }

  hasTask(name: string): boolean {
    return this.tasks.has(name);
  }

  /** The function when it is a task or was resolved before; `undefined` when it must be imported. */
  cached(reference: string): JobFunction | undefined {
    return this.tasks.get(reference) ?? this.cache.get(reference);
  }

  /** Resolves a task name or reference, importing the module if needed. Throws `FunctionLookupError`. */
  async resolve(reference: string): Promise<JobFunction> {
    const known = this.cached(reference);
    if (known !== undefined) return known;
    const separator = reference.lastIndexOf(':');
    if (separator <= 0 || separator === reference.length - 1) {
      throw new FunctionLookupError(
        reference,
        `"${reference}" is neither a registered task nor a "module:export" reference; registered tasks are: ${
          [...this.tasks.keys()].join(', ') || '(none)'
        }`,
      );
    }
    const modulePart = reference.slice(0, separator);
    const exportPart = reference.slice(separator + 1);
    let namespace: Record<string, unknown>;
    try {
      namespace = (await import(this.specifier(modulePart))) as Record<string, unknown>;
    } catch (cause) {
      throw new FunctionLookupError(
        reference,
        `Cannot import module "${modulePart}" of reference "${reference}" (relative paths resolve from ${this.baseDir()}): ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        { module: modulePart, exportName: exportPart, cause },
      );
    }
    let target: unknown = namespace;
    for (const key of exportPart.split('.')) {
      target =
        target !== null && typeof target === 'object' ? (target as Record<string, unknown>)[key] : undefined;
    }
    if (typeof target !== 'function') {
      const exports = Object.keys(namespace).join(', ') || '(none)';
      throw new FunctionLookupError(
        reference,
        target === undefined
          ? `Module "${modulePart}" has no export "${exportPart}" (reference "${reference}"); its exports are: ${exports}`
          : `Export "${exportPart}" of module "${modulePart}" is a ${typeof target}, not a function (reference "${reference}")`,
        { module: modulePart, exportName: exportPart },
      );
    }
    const fn = target as JobFunction;
    this.cache.set(reference, fn);
    return fn;
  }

  private specifier(modulePart: string): string {
    if (isAbsolute(modulePart)) return pathToFileURL(modulePart).href;
    if (modulePart.startsWith('.') || /\.(m|c)?js$/.test(modulePart)) {
      return pathToFileURL(resolvePath(this.baseDir(), modulePart)).href;
    }
    try {
      // Resolve a package from the user's project, not from where Horae is installed.
      return pathToFileURL(createRequire(join(this.baseDir(), 'noop.js')).resolve(modulePart)).href;
    } catch {
      return modulePart;
    }
  }
}
