import { InvalidTriggerError } from '../../errors.js';
import {
  FIELD_DEFS,
  fieldError,
  parseFieldItems,
  rangeForms,
  readWeekday,
  type CronFieldName,
  type DaySpecial,
  type ParseContext,
  type RangeItem,
} from './fields.js';
import type { ScheduleSpec } from './schedule.js';

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const LAYOUTS: Record<number, readonly CronFieldName[]> = {
  5: ['minute', 'hour', 'day', 'month', 'dayOfWeek'],
  6: ['second', 'minute', 'hour', 'day', 'month', 'dayOfWeek'],
  7: ['second', 'minute', 'hour', 'day', 'month', 'dayOfWeek', 'year'],
};

/** A month has at most 31 days, so its last day minus 30 is the earliest day `L-n` can name. */
const MAX_DAYS_BEFORE_LAST = 30;

const EXTRA_FORMS: Partial<Record<CronFieldName, string>> = {
  day: '; also ? (any), L (last day), L-2 (2 days before the last day), LW (last weekday), 15W (weekday nearest the 15th)',
  dayOfWeek: '; also ? (any), 5L (last Friday), 5#2 (second Friday)',
};

/**
 * Reads a crontab expression: 5 fields (minute hour day month weekday), 6 (seconds first) or 7 (a
 * year last), or a nickname. Day of month and day of week are ORed when both are restricted (as
 * in Vixie cron: a field starting with `*` or `?` is unrestricted), unless `domAndDow` is set.
 */
export function parseCrontab(expression: string, domAndDow: boolean): ScheduleSpec {
  const trimmed = expression.trim().toLowerCase();
  let source = trimmed;
  if (trimmed.startsWith('@')) {
    const expanded = NICKNAMES[trimmed];
    if (expanded === undefined) {
      throw new InvalidTriggerError(
        `Unknown crontab nickname ${JSON.stringify(expression)}; allowed: ${Object.keys(NICKNAMES).join(', ')}`,
        { field: 'crontab', value: expression },
      );
    }
    source = expanded;
  }
  const parts = source.split(/\s+/);
  const layout = LAYOUTS[parts.length];
  if (layout === undefined) {
    throw new InvalidTriggerError(
      `Invalid crontab ${JSON.stringify(expression)}: it has ${parts.length} field${parts.length === 1 ? '' : 's'}; ` +
        'expected 5 (minute hour day month weekday), 6 (second first) or 7 (second first, year last), or a nickname such as @daily',
      { field: 'crontab', value: expression },
    );
  }
  const texts: Partial<Record<CronFieldName, string>> = { second: '0', year: '*' };
  layout.forEach((field, i) => (texts[field] = parts[i] as string));
  const readAs = parts.length === 5 ? undefined : describeReading(layout, parts);
  const read = (field: CronFieldName) => parseCrontabField(field, texts[field] as string, expression, readAs);
  const day = read('day');
  const dayOfWeek = read('dayOfWeek');
  const dayStar = /^[*?]/.test(texts.day as string);
  const weekdayStar = /^[*?]/.test(texts.dayOfWeek as string);
  return {
    year: texts.year === '*' ? null : read('year').ranges,
    month: read('month').ranges,
    days: {
      dayRanges: dayStar && day.specials.length === 0 && isEvery(day.ranges) ? null : day.ranges,
      daySpecials: day.specials,
      weekdayRanges:
        weekdayStar && dayOfWeek.specials.length === 0 && isEvery(dayOfWeek.ranges) ? null : dayOfWeek.ranges,
      weekdaySpecials: dayOfWeek.specials,
      weekRanges: null,
      combine: domAndDow || dayStar || weekdayStar ? 'and' : 'or',
    },
    hour: read('hour').ranges,
    minute: read('minute').ranges,
    second: read('second').ranges,
  };
}

/**
 * How a 6- or 7-field line was read, for its error messages: a 6-field line starts with seconds (as
 * in croner and node-cron), which surprises anyone who meant 5 fields and a year.
 */
function describeReading(layout: readonly CronFieldName[], parts: readonly string[]): string {
  const fields = layout.map((field, i) => `${field}=${parts[i] as string}`).join(' ');
  let reading = `read as ${parts.length} fields: ${fields}`;
  if (parts.length === 6 && /^[0-9]{4}(?:[-,/][0-9]+)*$/.test(parts[5] as string)) {
    const sevenFields = ['0', ...parts].join(' ');
    reading += ` (6 fields start with seconds; to give a year, write 7: second minute hour day month weekday year, as in "${sevenFields}")`;
  }
  return reading;
}

function isEvery(ranges: readonly RangeItem[]): boolean {
  return ranges.length === 1 && ranges[0]?.step === 1;
}

function parseCrontabField(
  field: CronFieldName,
  text: string,
  crontab: string,
  readAs: string | undefined,
): { ranges: RangeItem[]; specials: DaySpecial[] } {
  const allowed = rangeForms(FIELD_DEFS[field]) + (EXTRA_FORMS[field] ?? '');
  const context: ParseContext = { text, crontab, allowed, readAs };
  const special = (item: string) =>
    field === 'day'
      ? daySpecial(item, context)
      : field === 'dayOfWeek'
        ? weekdaySpecial(item, context)
        : null;
  return parseFieldItems(field, text, context, special, (item) => {
    if (item !== '?') return item;
    if (field !== 'day' && field !== 'dayOfWeek')
      throw fieldError(field, context, '? is only allowed for day and weekday');
    return '*';
  });
}

function daySpecial(item: string, context: ParseContext): DaySpecial | null {
  if (item === 'l') return { kind: 'last', daysBefore: 0 };
  if (item.startsWith('l-')) return { kind: 'last', daysBefore: daysBeforeLast(item, context) };
  if (item === 'lw') return { kind: 'lastBusinessDay' };
  const nearest = /^([0-9]+)w$/.exec(item);
  if (nearest === null) return null;
  const day = Number(nearest[1]);
  if (day < 1 || day > 31)
    throw fieldError('day', context, `${JSON.stringify(item)}: the day before W must be 1-31`);
  return { kind: 'nearestWeekday', day };
}

/** The `n` of `L-n` (Quartz's "n days before the last day of the month"). */
function daysBeforeLast(item: string, context: ParseContext): number {
  const text = item.slice(2);
  const days = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (days <= MAX_DAYS_BEFORE_LAST) return days;
  const problem = Number.isNaN(days)
    ? `${JSON.stringify(item)} has no number of days after "l-"`
    : `the offset ${days} in ${JSON.stringify(item)} is too large`;
  throw fieldError(
    'day',
    context,
    `${problem}: L-n means n days before the last day of the month, with n from 0 to ${MAX_DAYS_BEFORE_LAST}`,
  );
}

function weekdaySpecial(item: string, context: ParseContext): DaySpecial | null {
  const last = /^([a-z0-9]+)l$/.exec(item);
  if (last !== null)
    return { kind: 'lastWeekday', weekday: readWeekday(last[1] as string, context, item, 'dayOfWeek') };
  const nth = /^([a-z0-9]+)#([0-9]+)$/.exec(item);
  if (nth === null) return null;
  const position = Number(nth[2]);
  if (position < 1 || position > 5) {
    throw fieldError('dayOfWeek', context, `${JSON.stringify(item)}: the number after # must be 1-5`);
  }
  return { kind: 'nth', nth: position, weekday: readWeekday(nth[1] as string, context, item, 'dayOfWeek') };
}
