import { createRequire } from 'node:module';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The rules for a `'module:export'` job reference, shared by the scheduler (which imports the module
 * itself) and by worker executors (which hand the module to a worker), so a reference means the
 * same module everywhere.
 */

/** Splits `'module:export'` at its last colon; `null` when `text` has no such form. */
export function parseReference(text: string): { modulePart: string; exportPath: string } | null {
  const separator = text.lastIndexOf(':');
  if (separator <= 0 || separator === text.length - 1) return null;
  return { modulePart: text.slice(0, separator), exportPath: text.slice(separator + 1) };
}

/**
 * The module part of a reference as `import()` takes it: a URL as is, a path (absolute, or relative
 * to `baseDir` when it starts with `.` or ends in `.js`/`.mjs`/`.cjs`) as a `file:` URL, a package
 * resolved from `baseDir` (the user's project, not Horae's), else the bare name.
 */
export function moduleSpecifier(modulePart: string, baseDir: string): string {
  if (/^(file|data|node):/.test(modulePart)) return modulePart;
  if (isAbsolute(modulePart)) return pathToFileURL(modulePart).href;
  if (modulePart.startsWith('.') || /\.(m|c)?js$/.test(modulePart)) {
    return pathToFileURL(resolvePath(baseDir, modulePart)).href;
  }
  try {
    return pathToFileURL(createRequire(join(baseDir, 'noop.js')).resolve(modulePart)).href;
  } catch {
    return modulePart;
  }
}
