import { formatInZone, parseDateInput } from '../time/parse.js';
import type { TriggerJSON } from './trigger.js';
import { assertStartBeforeEnd, readJitter, readTimeZone } from './validate.js';

/** The options the interval, cron and calendar-interval triggers share. */
export interface WindowOptions {
  /** First possible fire time. */
  startDate?: Date | string | number;
  /** Last possible fire time (inclusive). */
  endDate?: Date | string | number;
  /** IANA zone for wall times and naive dates. Default: the scheduler's zone, else the system zone. */
  timezone?: string;
  /** Random delay of up to this many seconds added to each run by the scheduler. */
  jitter?: number;
}

export const WINDOW_KEYS = ['startDate', 'endDate', 'timezone', 'jitter'] as const;

/** A trigger's zone, start and end dates and jitter, read and checked. */
export interface TriggerWindow {
  timezone: string;
  startDate: Date | null;
  endDate: Date | null;
  jitter: number | null;
}

export function readWindow(options: WindowOptions, defaults?: { timezone: string }): TriggerWindow {
  const timezone = readTimeZone(options.timezone, defaults?.timezone);
  const startDate =
    options.startDate === undefined ? null : parseDateInput(options.startDate, timezone, 'startDate');
  const endDate = options.endDate === undefined ? null : parseDateInput(options.endDate, timezone, 'endDate');
  assertStartBeforeEnd(startDate, endDate);
  return { timezone, startDate, endDate, jitter: readJitter(options.jitter) };
}

export function windowToJSON(window: TriggerWindow) {
  return {
    startDate: window.startDate?.toISOString() ?? null,
    endDate: window.endDate?.toISOString() ?? null,
    timezone: window.timezone,
    jitter: window.jitter,
  };
}

export function windowFromJSON(json: TriggerJSON): WindowOptions {
  const options: WindowOptions = { timezone: json.timezone as string };
  if (json.startDate !== null && json.startDate !== undefined) options.startDate = json.startDate as string;
  if (json.endDate !== null && json.endDate !== undefined) options.endDate = json.endDate as string;
  if (json.jitter !== null && json.jitter !== undefined) options.jitter = json.jitter as number;
  return options;
}

/** `start=...`, `end=...`, `jitter=...` for `toString()`, dates as wall time in the trigger's zone. */
export function describeWindow(window: TriggerWindow, offsetAt: (epochMs: number) => number): string[] {
  const format = (date: Date) => formatInZone(date, window.timezone, offsetAt(date.getTime()));
  const parts: string[] = [];
  if (window.startDate !== null) parts.push(`start=${format(window.startDate)}`);
  if (window.endDate !== null) parts.push(`end=${format(window.endDate)}`);
  if (window.jitter !== null) parts.push(`jitter=${window.jitter}s`);
  return parts;
}
