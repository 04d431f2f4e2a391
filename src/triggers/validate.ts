import { InvalidTriggerError } from '../errors.js';
import { assertTimeZone, systemTimeZone } from '../time/zone.js';

/**
 * Rejects options that are not an object (a string's characters would read as keys "0", "1", ...),
 * and keys a trigger does not know, so a typo (`minuts`) never schedules something else.
 */
export function assertKnownKeys(options: object, allowed: readonly string[], trigger: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidTriggerError(
      `Invalid options ${JSON.stringify(options) ?? String(options)} for the ${trigger} trigger: expected an object with ${allowed.join(', ')}`,
      { field: 'options', value: options },
    );
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new InvalidTriggerError(
        `Unknown option "${key}" for the ${trigger} trigger; valid options are: ${allowed.join(', ')}`,
        { field: key, value: (options as Record<string, unknown>)[key] },
      );
    }
  }
}

/** `jitter` is a non-negative number of seconds, or null/undefined for none. */
export function readJitter(jitter: unknown): number | null {
  if (jitter === undefined || jitter === null || jitter === 0) return null;
  if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0) {
    throw new InvalidTriggerError(
      `Invalid jitter ${JSON.stringify(jitter)}: expected a non-negative number of seconds`,
      { field: 'jitter', value: jitter },
    );
  }
  return jitter;
}

export function readTimeZone(timezone: unknown, fallback?: string): string {
  if (timezone === undefined || timezone === null) return fallback ?? systemTimeZone();
  return assertTimeZone(timezone);
}

export function assertStartBeforeEnd(start: Date | null, end: Date | null): void {
  if (start !== null && end !== null && end.getTime() < start.getTime()) {
    throw new InvalidTriggerError(`endDate ${end.toISOString()} is before startDate ${start.toISOString()}`, {
      field: 'endDate',
      value: end,
    });
  }
}
