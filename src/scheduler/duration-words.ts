const DAY_MS = 86_400_000;
/** The mean Gregorian year, so that years and months come out as a calendar reader expects. */
const YEAR_MS = 365.2425 * DAY_MS;

const UNITS: readonly [string, number][] = [
  ['year', YEAR_MS],
  ['month', YEAR_MS / 12],
  ['day', DAY_MS],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/**
 * A length of time as a person reads it in a log line, to its two largest units: `6 years 11
 * months`, `3 hours 5 minutes`, `2.5 seconds`, `250 ms` (months and years are mean lengths).
 */
export function durationInWords(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return plural(Math.floor(abs / 100) / 10, 'second');
  const index = UNITS.findIndex(([, size]) => abs >= size);
  const [unit, size] = UNITS[index] as [string, number];
  const whole = Math.floor(abs / size);
  const words = [plural(whole, unit)];
  const next = UNITS[index + 1];
  if (next !== undefined) {
    const rest = Math.floor((abs - whole * size) / next[1]);
    if (rest > 0) words.push(plural(rest, next[0]));
  }
  return words.join(' ');
}

function plural(count: number, unit: string): string {
  return `${count.toLocaleString('en-US')} ${unit}${count === 1 ? '' : 's'}`;
}
