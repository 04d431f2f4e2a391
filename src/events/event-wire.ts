import { isJsonSafe } from '../serialization.js';
import { EVENT_ALL, type SchedulerEventUnion } from './events.js';

/**
 * Scheduler events as they travel between nodes through an `EventBroker`: plain JSON. A `Date`
 * becomes `{ $date: epoch ms }` and an error `{ $error: { name, message, stack } }` (arriving as an
 * `Error` of that name, message and stack); any other value that JSON cannot carry as it is (a
 * class instance, a cycle, a BigInt) arrives as its `String()` form.
 */

interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** The wire form of an event. */
export function eventToWire(event: SchedulerEventUnion): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) wire[key] = valueToWire(value);
  return wire;
}

/**
 * An event from its wire form, stamped with the node it came from; `null` when it is not an event
 * (no known numeric code), so a broken or foreign message is dropped, never dispatched.
 */
export function eventFromWire(wire: unknown, nodeId: string): SchedulerEventUnion | null {
  if (wire === null || typeof wire !== 'object') return null;
  const { code } = wire as { code?: unknown };
  if (typeof code !== 'number' || !Number.isInteger(Math.log2(code)) || (code & EVENT_ALL) === 0) return null;
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) event[key] = valueFromWire(value);
  event.nodeId = nodeId;
  return event as unknown as SchedulerEventUnion;
}

function valueToWire(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.getTime() };
  if (value instanceof Error) {
    const error: WireError = { name: value.name, message: value.message };
    if (value.stack !== undefined) error.stack = value.stack;
    return { $error: error };
  }
  if (Array.isArray(value)) return value.map(valueToWire);
  if (value === undefined || isJsonSafe(value)) return value;
  try {
    return String(value);
  } catch {
    return '[value not sent]';
  }
}

function valueFromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(valueFromWire);
  if (value === null || typeof value !== 'object') return value;
  const { $date, $error } = value as { $date?: unknown; $error?: WireError };
  if (typeof $date === 'number' && Object.keys(value).length === 1) return new Date($date);
  if ($error !== undefined && typeof $error === 'object' && Object.keys(value).length === 1) {
    const error = new Error(String($error.message));
    error.name = String($error.name);
    if (typeof $error.stack === 'string') error.stack = $error.stack;
    return error;
  }
  return value;
}
