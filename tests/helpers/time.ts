/**
 * The instant tests start from when any fixed instant will do: 2026-01-01T00:00:00Z (a Thursday).
 * One origin for all tests, so the times in failure messages read alike from file to file. A test
 * whose meaning hangs on a particular date (a DST change, a leap day, a weekday) writes that date
 * out instead.
 */
export const T0 = Date.UTC(2026, 0, 1);
