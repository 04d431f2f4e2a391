import { FunctionLookupError, InvalidArgumentError } from '../errors.js';
import { moduleSpecifier, parseReference } from '../function-reference.js';
import type { JobFunction } from '../job-state.js';

/**
 * Turns the string form of a job function into the function: either the name of a task registered
 * with `registerTask`, or a `'module:export'` reference. The module part is a package name, an
 * absolute path, or a path relative to `baseDir`; the export part may be dotted (`'tasks.js:mail.send'`).
 */
export class FunctionResolver {
  private readonly tasks = new Map<string, JobFunction>();
  /** Tasks registered by reference: worker executors send the reference, not the function. */
  private readonly taskReferences = new Map<string, string>();
  private readonly cache = new Map<string, JobFunction>();

  constructor(private readonly baseDir: () => string) {}

  /**
   * Names a job function. Given a function, jobs in this process can use the name at once; given a
   * `'module:export'` reference (resolved when the promise settles), thread and process executors can
   * run it too. Bad input throws synchronously.
   */
  registerTask(name: string, fn: JobFunction | string): Promise<void> {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError(
        `Invalid task name ${JSON.stringify(name)}: expected a non-empty string`,
        {
          field: 'name',
          value: name,
        },
      );
    }
    if (typeof fn === 'function') {
      this.tasks.set(name, fn);
      this.taskReferences.delete(name);
      return Promise.resolve();
    }
    if (typeof fn !== 'string' || parseReference(fn) === null) {
      throw new InvalidArgumentError(
        `Task "${name}" must be a function or a "module:export" reference, got ${JSON.stringify(fn) ?? typeof fn}`,
        { field: 'fn', value: fn },
      );
    }
    return this.resolve(fn).then((resolved) => {
      this.tasks.set(name, resolved);
      this.taskReferences.set(name, fn);
    });
  }

  /** The reference a task was registered by, or `undefined` (not registered, or by function). */
  taskReference(name: string): string | undefined {
    return this.taskReferences.get(name);
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
    const parsed = parseReference(reference);
    if (parsed === null) {
      throw new FunctionLookupError(
        reference,
        `"${reference}" is neither a registered task nor a "module:export" reference; registered tasks are: ${
          [...this.tasks.keys()].join(', ') || '(none)'
        }`,
      );
    }
    const { modulePart, exportPath: exportPart } = parsed;
    let namespace: Record<string, unknown>;
    try {
      namespace = (await import(moduleSpecifier(modulePart, this.baseDir()))) as Record<string, unknown>;
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
}
