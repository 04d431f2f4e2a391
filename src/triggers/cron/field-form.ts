import {
  CRON_FIELDS,
  FIELD_DEFS,
  fieldError,
  normalizeFieldText,
  parseFieldItems,
  rangeForms,
  readWeekday,
  type CronFieldName,
  type DaySpecial,
  type ParseContext,
  type RangeItem,
} from './fields.js';
import type { ScheduleSpec } from './schedule.js';

/** A field value of `CronTrigger`: a number, or a string in APScheduler's field language. */
export type CronFieldValue = string | number;
export type CronFieldValues = Partial<Record<CronFieldName, CronFieldValue>>;

/** What an unset field becomes when it is finer than the finest field given (APScheduler's rule). */
const FINER_DEFAULTS: Record<CronFieldName, string> = {
  year: '*',
  month: '1',
  day: '1',
  week: '*',
  dayOfWeek: '*',
  hour: '0',
  minute: '0',
  second: '0',
};

const ORDINALS = ['1st', '2nd', '3rd', '4th', '5th'];
const POSITIONAL = /^([a-z0-9]+) ([a-z0-9]+)$/;

function allowedForms(field: CronFieldName): string {
  const base = rangeForms(FIELD_DEFS[field]);
  if (field === 'day') return `${base}; also last, and 1st-5th or last before a weekday (3rd wed, last fri)`;
  if (field === 'dayOfWeek') return `${base}; also 1st-5th or last before a weekday (3rd wed, last fri)`;
  return base;
}

/**
 * Reads the field options of a `CronTrigger` into value sets. Returns the normalized text of every
 * field (given or defaulted) too. With no field given at all, every field is `*` (every second), as
 * in APScheduler.
 */
export function parseFieldForm(values: CronFieldValues): {
  spec: ScheduleSpec;
  texts: Record<CronFieldName, string>;
} {
  const texts = {} as Record<CronFieldName, string>;
  const given = CRON_FIELDS.filter((field) => values[field] !== undefined && values[field] !== null);
  const finest = given.length === 0 ? -1 : CRON_FIELDS.indexOf(given[given.length - 1] as CronFieldName);
  CRON_FIELDS.forEach((field, index) => {
    const value = values[field];
    if (value === undefined || value === null)
      texts[field] = finest >= 0 && index > finest ? FINER_DEFAULTS[field] : '*';
    else texts[field] = readFieldText(field, value);
  });
  const items = (field: CronFieldName) => parseField(field, texts[field]);
  const day = items('day');
  const dayOfWeek = items('dayOfWeek');
  const spec: ScheduleSpec = {
    year: texts.year === '*' ? null : items('year').ranges,
    month: items('month').ranges,
    days: {
      dayRanges: texts.day === '*' ? null : day.ranges,
      daySpecials: day.specials,
      weekdayRanges: texts.dayOfWeek === '*' ? null : dayOfWeek.ranges,
      weekdaySpecials: dayOfWeek.specials,
      weekRanges: texts.week === '*' ? null : items('week').ranges,
      combine: 'and',
    },
    hour: items('hour').ranges,
    minute: items('minute').ranges,
    second: items('second').ranges,
  };
  return { spec, texts };
}

function readFieldText(field: CronFieldName, value: unknown): string {
  if ((typeof value === 'number' && Number.isInteger(value) && value >= 0) || typeof value === 'string') {
    return normalizeFieldText(value);
  }
  const context = { text: String(value), allowed: allowedForms(field) };
  throw fieldError(field, context, 'expected a non-negative integer or a string');
}

function parseField(field: CronFieldName, text: string): { ranges: RangeItem[]; specials: DaySpecial[] } {
  const context: ParseContext = { text, allowed: allowedForms(field) };
  return parseFieldItems(field, text, context, (item) =>
    field === 'day' || field === 'dayOfWeek' ? parseDaySpecial(field, item, context) : null,
  );
}

/** `last` (day only), `3rd wed`, `last fri`. */
function parseDaySpecial(field: 'day' | 'dayOfWeek', item: string, context: ParseContext): DaySpecial | null {
  if (item === 'last') {
    if (field === 'day') return { kind: 'last', daysBefore: 0 };
    throw fieldError(field, context, '"last" needs a weekday here, as in "last fri"');
  }
  const positional = POSITIONAL.exec(item);
  if (positional === null) return null;
  const [, position = '', weekdayText = ''] = positional;
  const weekday = readWeekday(weekdayText, context, item, field);
  if (position === 'last') return { kind: 'lastWeekday', weekday };
  const nth = ORDINALS.indexOf(position) + 1;
  if (nth === 0) {
    throw fieldError(
      field,
      context,
      `${JSON.stringify(position)} in ${JSON.stringify(item)} is not a weekday position: use 1st, 2nd, 3rd, 4th, 5th or last`,
    );
  }
  return { kind: 'nth', nth, weekday };
}
