/**
 * Proleptic Gregorian calendar arithmetic on plain numbers, with no `Date` objects, so the trigger
 * hot paths allocate nothing. A "wall" instant is a wall-clock time written as if it were UTC
 * milliseconds (`Date.UTC(year, month - 1, day, ...)`); day numbers count days since 1970-01-01.
 * The algorithms are Howard Hinnant's `days_from_civil` / `civil_from_days`.
 */

export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (`month` 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The date of a day number; `out` is reused to avoid allocation: `[year, month 1-12, day]`. */
export function civilFromDays(days: number, out: [number, number, number]): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out[1] = month;
  out[2] = day;
  return out;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 31);
}

/** Weekday of a day number, cron numbering: 0 = Sunday ... 6 = Saturday. (1970-01-01 was a Thursday.) */
export function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** Number of ISO 8601 weeks (52 or 53) in an ISO week-numbering year. */
export function isoWeeksInYear(year: number): number {
  // A year has 53 weeks when it starts on a Thursday, or is a leap year starting on a Wednesday.
  const jan1 = weekdayOfDays(daysFromCivil(year, 1, 1));
  return jan1 === 4 || (jan1 === 3 && isLeapYear(year)) ? 53 : 52;
}

/** ISO 8601 week number (1-53) of a date. */
export function isoWeek(year: number, month: number, day: number): number {
  const days = daysFromCivil(year, month, day);
  const isoWeekday = weekdayOfDays(days) || 7;
  const ordinal = days - daysFromCivil(year, 1, 1) + 1;
  const week = Math.floor((ordinal - isoWeekday + 10) / 7);
  if (week < 1) return isoWeeksInYear(year - 1);
  if (week > isoWeeksInYear(year)) return 1;
  return week;
}
