import { SerializationError } from './errors.js';

/**
 * Arrays and objects nested deeper than this are refused: `JSON.stringify` and `JSON.parse` (and
 * this check) recurse, and overflow the stack a few thousand levels down, less inside a deep call.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Refuses a value that JSON cannot carry faithfully: functions, symbols, `undefined` (as a value or
 * an array hole), BigInt, non-finite numbers, class instances (Dates, Maps, ...), cycles and
 * nesting deeper than `MAX_JSON_DEPTH`. A persistent store calls this at `addJob`, so a bad
 * argument fails loudly then instead of coming back different after a restart.
 */
export function assertJsonSafe(value: unknown, path = 'args'): void {
  walk(value, path, new Set(), 0);
}

/**
 * Whether `assertJsonSafe` would accept `value`, without throwing or building paths: for values
 * checked on every run (a job's return value), where a refusal is not an error.
 */
export function isJsonSafe(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      return value === null || safeObject(value, null, 0);
    default:
      return false;
  }
}

function safeObject(object: object, seen: Set<object> | null, depth: number): boolean {
  if (depth === MAX_JSON_DEPTH || seen?.has(object) === true) return false;
  const isArray = Array.isArray(object);
  if (!isArray) {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
  }
  // The set of objects on the current path is made only below the top level.
  const path = seen ?? new Set<object>();
  path.add(object);
  let safe = true;
  if (isArray) {
    const array = object as unknown[];
    for (let i = 0; i < array.length && safe; i++) safe = i in array && safeChild(array[i], path, depth);
  } else {
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      if (!(safe = safeChild((object as Record<string, unknown>)[key], path, depth))) break;
    }
  }
  path.delete(object);
  return safe;
}

function safeChild(value: unknown, seen: Set<object>, depth: number): boolean {
  if (typeof value === 'object' && value !== null) return safeObject(value, seen, depth + 1);
  return isJsonSafe(value);
}

function walk(value: unknown, path: string, seen: Set<object>, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} is not a finite number`);
      return;
    case 'bigint':
      fail(path, 'a BigInt cannot be stored as JSON (pass it as a string)');
      return;
    case 'undefined':
      fail(path, 'undefined cannot be stored as JSON (use null)');
      return;
    case 'function':
      fail(path, 'a function cannot be stored; pass data and look the function up in the job');
      return;
    case 'symbol':
      fail(path, 'a symbol cannot be stored as JSON');
      return;
  }
  if (value === null) return;
  const object = value as object;
  if (seen.has(object)) fail(path, 'the value contains a cycle');
  if (depth === MAX_JSON_DEPTH) {
    fail(path, `arrays and objects nested more than ${MAX_JSON_DEPTH} levels deep cannot be stored`);
  }
  seen.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) fail(`${path}[${i}]`, 'arrays with holes cannot be stored as JSON');
      walk(object[i], `${path}[${i}]`, seen, depth + 1);
    }
  } else {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      fail(
        path,
        `a ${name} instance cannot be stored as JSON (pass plain objects, arrays, strings, numbers)`,
      );
    }
    for (const [key, child] of Object.entries(object)) walk(child, `${path}.${key}`, seen, depth + 1);
  }
  seen.delete(object);
}

function fail(path: string, reason: string): never {
  // A path 1000 levels down is 3,000 characters: the message shows its ends, the field all of it.
  const shown = path.length > 120 ? `${path.slice(0, 60)}...${path.slice(-40)}` : path;
  throw new SerializationError(`Cannot serialize ${shown}: ${reason}`, { path });
}
