// A cron expression in English, from its value sets (`ScheduleSpec`), the same for the field form
// and the crontab form: `every weekday at 10:30`, `every 5 minutes`, `at 09:00 on the last Friday of
// the month`. Common shapes get a sentence of their own; any other expression is still described
// exactly, if less gracefully, by listing its values.
import type { DaySpec } from './day-rule.js';
import type { DaySpecial, RangeItem } from './fields.js';
import type { ScheduleSpec } from './schedule.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
/** Cron numbering: index 0 is Sunday. */
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** Weekdays in the order a week is read, Monday first. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];
/** At most this many times of day are listed one by one (`at 09:00, 12:00 and 17:00`). */
const MAX_LISTED_TIMES = 6;

/** The expression as words, without its zone, window or jitter. */
export function describeCronSpec(spec: ScheduleSpec): string {
  const time = describeTime(valuesOf(spec.second, 60), valuesOf(spec.minute, 60), valuesOf(spec.hour, 24));
  const months = valuesOf(spec.month, 13).filter((month) => month >= 1);
  const day = describeDays(spec.days);
  const monthName = (month: number) => MONTHS[month - 1] as string;
  const monthRuns = runsOf(months);
  const monthWords =
    months.length === 12
      ? null
      : monthRuns.length === 1 && months.length >= 3
        ? `from ${monthName(months[0] as number)} to ${monthName(months.at(-1) as number)}`
        : `in ${listWords(months, monthName)}`;
  let text: string;
  let monthDone = false;
  if (day === null) {
    text = time.at ? `every day ${time.text}` : time.text;
  } else if (day.kind === 'weekly') {
    text = time.at ? `${day.every} ${time.text}` : `${time.text} ${day.on}`;
  } else {
    // `of the month` names the months instead when there are few: `on the 1st of January`.
    let of = 'the month';
    if (monthWords !== null && months.length <= 4 && isRunFree(months)) {
      of = listWords(months, monthName);
      monthDone = true;
    }
    text = `${time.text} on ${day.items} of ${of}${day.suffix}`;
  }
  if (spec.days.weekRanges !== null) {
    const weeks = valuesOf(spec.days.weekRanges, 54).filter((week) => week >= 1);
    text += ` in ISO week${weeks.length === 1 ? '' : 's'} ${listWords(weeks, String)}`;
  }
  if (monthWords !== null && !monthDone) text += ` ${monthWords}`;
  if (spec.year !== null) text += ` in ${describeYears(spec.year)}`;
  return text;
}

/** The times of day: `at` when they are a few listed times, else a repeating phrase. */
function describeTime(seconds: number[], minutes: number[], hours: number[]): { at: boolean; text: string } {
  if (seconds.length * minutes.length * hours.length <= MAX_LISTED_TIMES) {
    const times: string[] = [];
    for (const hour of hours) {
      for (const minute of minutes) for (const second of seconds) times.push(clock(hour, minute, second));
    }
    return { at: true, text: `at ${joinWords(times)}` };
  }
  const withinHour = describeWithinHour(seconds, minutes);
  const onTheHour = withinHour === null;
  const hourPattern = patternOf(hours, 0, 23);
  if (hourPattern.kind === 'all') {
    if (onTheHour) return { at: false, text: 'every hour' };
    return { at: false, text: withinHour.repeats ? withinHour.text : `every hour ${withinHour.text}` };
  }
  if (hourPattern.kind === 'every') {
    const everyHours = `every ${hourPattern.step} hours`;
    if (onTheHour) return { at: false, text: everyHours };
    if (!withinHour.repeats) return { at: false, text: `${everyHours} ${withinHour.text}` };
  }
  const first = clock(hours[0] as number, minutes[0] as number, seconds[0] as number);
  const last = clock(hours.at(-1) as number, minutes.at(-1) as number, seconds.at(-1) as number);
  if (onTheHour || !withinHour.repeats) {
    // The same minutes of several hours (more times than are listed one by one).
    const atMinutes = onTheHour ? '' : ` ${withinHour.text}`;
    if (hourPattern.kind === 'range' || hourPattern.kind === 'step') {
      const every = hourPattern.kind === 'step' ? `every ${hourPattern.step} hours` : 'every hour';
      return { at: false, text: `${every}${atMinutes} from ${first} to ${last}` };
    }
    return { at: false, text: `every hour${atMinutes} during the hours ${listWords(hours, hourName)}` };
  }
  if (hourPattern.kind === 'range' || hours.length === 1) {
    return { at: false, text: `${withinHour.text} from ${first} to ${last}` };
  }
  return { at: false, text: `${withinHour.text} during the hours ${listWords(hours, hourName)}` };
}

/**
 * What happens within each hour: `null` for once, on the hour; else a phrase, which `repeats` when
 * it covers the hour by itself (`every 5 minutes`) rather than naming minutes (`at minute 15`).
 */
function describeWithinHour(seconds: number[], minutes: number[]): { repeats: boolean; text: string } | null {
  const secondPattern = patternOf(seconds, 0, 59);
  const minutePattern = patternOf(minutes, 0, 59);
  let secondText: string | null = null;
  if (secondPattern.kind === 'all') secondText = 'every second';
  else if (secondPattern.kind === 'every') secondText = `every ${secondPattern.step} seconds`;
  else if (!(seconds.length === 1 && seconds[0] === 0)) {
    secondText = `at second${seconds.length === 1 ? '' : 's'} ${listWords(seconds, String)}`;
  }
  const minuteWords = `minute${minutes.length === 1 ? '' : 's'} ${listWords(minutes, String)}`;
  if (secondText === null) {
    if (minutePattern.kind === 'all') return { repeats: true, text: 'every minute' };
    if (minutePattern.kind === 'every') return { repeats: true, text: `every ${minutePattern.step} minutes` };
    if (minutes.length === 1 && minutes[0] === 0) return null;
    return { repeats: false, text: `at ${minuteWords}` };
  }
  const repeats = secondPattern.kind === 'all' || secondPattern.kind === 'every';
  if (minutePattern.kind === 'all') return { repeats, text: secondText };
  return { repeats: false, text: `${secondText} of ${minuteWords}` };
}

type DayWords =
  { kind: 'weekly'; every: string; on: string } | { kind: 'on'; items: string; suffix: string } | null;

/** The days: `null` for every day; a set of weekdays; or days of the month (`on ... of the month`). */
function describeDays(days: DaySpec): DayWords {
  let dayValues = days.dayRanges === null ? null : valuesOf(days.dayRanges, 32).filter((day) => day >= 1);
  if (dayValues?.length === 31 && days.daySpecials.length === 0) dayValues = null;
  let weekdays = days.weekdayRanges === null ? null : weekdaySet(days.weekdayRanges);
  if (weekdays?.length === 7 && days.weekdaySpecials.length === 0) weekdays = null;
  const monthItems = [
    ...(dayValues === null ? [] : describeMonthDays(dayValues)),
    ...days.daySpecials.map(describeSpecial),
  ];
  const weekdaySpecials = days.weekdaySpecials.map(describeSpecial);
  const weekly = weekdays === null || weekdays.length === 0 ? null : describeWeekdays(weekdays);
  if (monthItems.length === 0 && weekdaySpecials.length === 0) return weekly;
  if (monthItems.length === 0) {
    // `last fri` or `5#2`, perhaps beside plain weekdays.
    const suffix = weekly === null ? '' : ` and ${weekly.on}`;
    return { kind: 'on', items: joinWords(weekdaySpecials), suffix };
  }
  const items = joinWords([...monthItems, ...weekdaySpecials]);
  if (weekly === null) return { kind: 'on', items, suffix: '' };
  const suffix = days.combine === 'or' ? ` or ${weekly.on}` : ` if it is ${weekly.single}`;
  return { kind: 'on', items, suffix };
}

/** Plain days of the month: `the 1st and 15th`, `the 1st to the 7th`, `every 2nd day from the 1st`. */
function describeMonthDays(values: number[]): string[] {
  const pattern = patternOf(values, 1, 31);
  if (pattern.kind === 'every' || (pattern.kind === 'step' && values.length > MAX_LISTED_TIMES)) {
    const step = pattern.kind === 'every' || pattern.kind === 'step' ? pattern.step : 1;
    return [`every ${ordinal(step)} day from the ${ordinal(values[0] as number)}`];
  }
  return runsOf(values).map(([first, last]) =>
    first === last ? `the ${ordinal(first)}` : `the ${ordinal(first)} to the ${ordinal(last)}`,
  );
}

function describeSpecial(special: DaySpecial): string {
  switch (special.kind) {
    case 'last':
      return special.daysBefore === 0 ? 'the last day' : `the ${ordinal(special.daysBefore + 1)}-to-last day`;
    case 'nth':
      return `the ${ordinal(special.nth)} ${WEEKDAYS[special.weekday] as string}`;
    case 'lastWeekday':
      return `the last ${WEEKDAYS[special.weekday] as string}`;
    case 'nearestWeekday':
      return `the weekday nearest the ${ordinal(special.day)}`;
    case 'lastBusinessDay':
      return 'the last weekday';
  }
}

/**
 * A set of weekdays three ways: after `every` (`weekday`, `Monday and Friday`, `day from Monday
 * to Thursday`), after a repeating time (`on weekdays`), and after `if it is` (`a weekday`).
 */
function describeWeekdays(weekdays: number[]): { kind: 'weekly'; every: string; on: string; single: string } {
  const ordered = WEEK_ORDER.filter((day) => weekdays.includes(day));
  const name = (day: number) => WEEKDAYS[day] as string;
  if (ordered.join() === '1,2,3,4,5') {
    return { kind: 'weekly', every: 'every weekday', on: 'on weekdays', single: 'a weekday' };
  }
  const positions = ordered.map((day) => WEEK_ORDER.indexOf(day));
  const runs = runsOf(positions);
  if (runs.length === 1 && ordered.length >= 3) {
    const span = `from ${name(ordered[0] as number)} to ${name(ordered.at(-1) as number)}`;
    return { kind: 'weekly', every: `every day ${span}`, on: span, single: `a day ${span}` };
  }
  const names = joinWords(ordered.map(name));
  const plural = joinWords(ordered.map((day) => `${name(day)}s`));
  const either = ordered.map(name).join(' or ');
  return { kind: 'weekly', every: `every ${names}`, on: `on ${plural}`, single: `a ${either}` };
}

function describeYears(ranges: readonly RangeItem[]): string {
  const words: string[] = [];
  for (const { first, last, step } of ranges) {
    if (first === last) words.push(String(first));
    else if (step === 1) words.push(`${first} to ${last}`);
    else
      words.push(`every ${step} years from ${first} to ${first + Math.floor((last - first) / step) * step}`);
  }
  return joinWords(words);
}

/** The shape of a set of values in `min..max`. */
type Pattern =
  | { kind: 'all' }
  | { kind: 'every'; step: number }
  | { kind: 'range' }
  | { kind: 'step'; step: number }
  | { kind: 'list' };

function patternOf(values: number[], min: number, max: number): Pattern {
  if (values.length === max - min + 1) return { kind: 'all' };
  if (values.length < 3) return { kind: 'list' };
  const step = (values[1] as number) - (values[0] as number);
  if (!values.every((value, i) => i === 0 || value - (values[i - 1] as number) === step))
    return { kind: 'list' };
  if (step === 1) return { kind: 'range' };
  // `*/n` reads as `every n ...` only when the steps are even across the wrap (60 % n === 0).
  if (values[0] === min && (max - min + 1) % step === 0 && (values.at(-1) as number) + step > max) {
    return { kind: 'every', step };
  }
  return { kind: 'step', step };
}

/** Sorted distinct values of a field's ranges, below `size`. */
function valuesOf(ranges: readonly RangeItem[], size: number): number[] {
  const set = new Set<number>();
  for (const { first, last, step } of ranges) {
    for (let value = first; value <= last && value < size; value += step) set.add(value);
  }
  return [...set].sort((a, b) => a - b);
}

function weekdaySet(ranges: readonly RangeItem[]): number[] {
  return [...new Set(valuesOf(ranges, 8).map((day) => day % 7))].sort((a, b) => a - b);
}

/** Runs of consecutive values: `[[1, 3], [5, 5]]` for 1, 2, 3, 5. */
function runsOf(values: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const value of values) {
    const run = runs.at(-1);
    if (run !== undefined && run[1] === value - 1) run[1] = value;
    else runs.push([value, value]);
  }
  return runs;
}

function isRunFree(values: number[]): boolean {
  return runsOf(values).every(([first, last]) => last - first < 2);
}

/** Values as words, runs of three or more as `a to b`: `0 to 3 and 10`. */
function listWords(values: number[], name: (value: number) => string): string {
  return joinWords(
    runsOf(values).flatMap(([first, last]) =>
      last - first >= 2
        ? [`${name(first)} to ${name(last)}`]
        : first === last
          ? [name(first)]
          : [name(first), name(last)],
    ),
  );
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1) as string}`;
}

function hourName(hour: number): string {
  return clock(hour, 0, 0);
}

/** `09:30`, or `09:30:15` when there are seconds. */
export function clock(hour: number, minute: number, second: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(hour)}:${pad(minute)}${second === 0 ? '' : `:${pad(second)}`}`;
}

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}
