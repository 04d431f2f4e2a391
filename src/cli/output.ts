// How commands print: padded tables and coloured words for people on a terminal, JSON for scripts.
import pc from 'picocolors';
import { durationInWords } from '../scheduler/duration-words.js';
import { formatInZone } from '../time/parse.js';
import { offsetAt } from '../time/zone.js';

/** Colour functions: real ones when standard output is a terminal and `NO_COLOR` is unset, else no-ops. */
export const colors = pc.createColors(
  process.stdout.isTTY === true && (process.env.NO_COLOR === undefined || process.env.NO_COLOR === ''),
);

/** Prints `value` as indented JSON (dates as ISO 8601 strings in UTC). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints one line to standard output. */
export function println(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** One column of a table: its heading, and how its cells are coloured (after padding). */
export interface Column {
  heading: string;
  paint?: (cell: string) => string;
}

/**
 * Rows as a table with a heading line, columns padded to their widest cell and two spaces apart.
 * The last column is not padded, so a long description does not drag trailing blanks behind it.
 */
export function table(columns: Column[], rows: string[][]): string[] {
  const widths = columns.map((column, index) =>
    Math.max(column.heading.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: string[], paint: (cell: string, index: number) => string) =>
    cells
      .map((cell, index) => {
        const padded = index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0);
        return paint(padded, index);
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((column) => column.heading),
      (cell) => colors.bold(cell),
    ),
    ...rows.map((row) => line(row, (cell, index) => columns[index]?.paint?.(cell) ?? cell)),
  ];
}

/** Label and value pairs, the labels padded to one width: `id        report`. */
export function fields(pairs: [label: string, value: string][]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${colors.dim(label.padEnd(width))}  ${value}`);
}

/** `2026-12-07 09:00:00 Asia/Shanghai`: an instant as wall time in `zone`, for people. */
export function formatTime(date: Date, zone: string): string {
  return formatInZone(date, zone, offsetAt(zone, date.getTime()));
}

/** `Mon 2026-12-07 09:00:00 +08:00`: with the weekday and the offset, for checking a schedule. */
export function formatFireTime(date: Date, zone: string): string {
  const offset = offsetAt(zone, date.getTime());
  const wall = new Date(date.getTime() + offset);
  const weekday = wall.toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
  const iso = wall.toISOString();
  const ms = wall.getUTCMilliseconds();
  return `${weekday} ${iso.slice(0, 10)} ${iso.slice(11, ms === 0 ? 19 : 23)} ${formatOffset(offset)}`;
}

function formatOffset(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const sign = offsetMs < 0 ? '-' : '+';
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A duration for people: `250 ms`, `2.5 s`, `3 minutes 5 seconds`, `2 days 4 hours`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return durationInWords(ms);
}

/**
 * A run outcome, coloured: green for success, red for a failure, yellow for a missed run or one
 * whose node was cut off (neither is the job's own failure).
 */
export function paintOutcome(outcome: string): string {
  if (outcome.startsWith('success')) return colors.green(outcome);
  if (outcome.startsWith('missed') || outcome.startsWith('interrupted')) return colors.yellow(outcome);
  return colors.red(outcome);
}
