import { InvalidTriggerError } from '../../errors.js';

/** The fields of a cron trigger, coarsest first (APScheduler's order). */
export const CRON_FIELDS = ['year', 'month', 'day', 'week', 'dayOfWeek', 'hour', 'minute', 'second'] as const;
export type CronFieldName = (typeof CRON_FIELDS)[number];

export const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
];
/** Cron numbering: index 0 is Sunday. */
export const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface FieldDef {
  readonly name: CronFieldName;
  readonly min: number;
  readonly max: number;
  /** Largest value `*` and `a/n` reach; below `max` only for dayOfWeek, whose 7 repeats Sunday. */
  readonly starMax: number;
  /** Names accepted for values (`jan` = 1, `sun` = 0), if any. */
  readonly names: readonly string[] | null;
  readonly nameBase: number;
}

function def(
  name: CronFieldName,
  min: number,
  max: number,
  names: readonly string[] | null = null,
  nameBase = 0,
) {
  return { name, min, max, starMax: name === 'dayOfWeek' ? 6 : max, names, nameBase };
}

export const FIELD_DEFS: Record<CronFieldName, FieldDef> = {
  year: def('year', 1970, 9999),
  month: def('month', 1, 12, MONTH_NAMES, 1),
  day: def('day', 1, 31),
  week: def('week', 1, 53),
  dayOfWeek: def('dayOfWeek', 0, 7, WEEKDAY_NAMES, 0),
  hour: def('hour', 0, 23),
  minute: def('minute', 0, 59),
  second: def('second', 0, 59),
};

/** Inclusive range with a step; a single value is `{ first: v, last: v, step: 1 }`. */
export interface RangeItem {
  readonly first: number;
  readonly last: number;
  readonly step: number;
}

/** Day-of-month rules that depend on the month, from `last`, `3rd wed`, `5L`, `5#2`, `15W`, `LW`. */
export type DaySpecial =
  | { readonly kind: 'last'; readonly daysBefore: number }
  | { readonly kind: 'nth'; readonly nth: number; readonly weekday: number }
  | { readonly kind: 'lastWeekday'; readonly weekday: number }
  | { readonly kind: 'nearestWeekday'; readonly day: number }
  | { readonly kind: 'lastBusinessDay' };

/** Where an expression came from, for error messages: the option of a `CronTrigger`, or a crontab. */
export interface ParseContext {
  /** The whole value of the field as given, quoted in messages. */
  readonly text: string;
  /** The crontab expression, when parsing one. */
  readonly crontab?: string;
  /** The forms the field accepts, appended to messages ("allowed: ..."). */
  readonly allowed: string;
  /** How a crontab's fields were assigned, when that is not obvious (6 or 7 fields). */
  readonly readAs?: string | undefined;
}

export function fieldError(
  field: CronFieldName,
  context: ParseContext,
  problem: string,
): InvalidTriggerError {
  const where =
    context.crontab === undefined
      ? `Invalid ${field} ${JSON.stringify(context.text)} for the cron trigger`
      : `Invalid ${field} field ${JSON.stringify(context.text)} in crontab ${JSON.stringify(context.crontab)}`;
  const readAs = context.readAs === undefined ? '' : `; ${context.readAs}`;
  return new InvalidTriggerError(`${where}: ${problem}${readAs}; allowed: ${context.allowed}`, {
    field,
    value: context.crontab ?? context.text,
  });
}

/** The range forms every field accepts, described for error messages. */
export function rangeForms(field: FieldDef): string {
  const names =
    field.names === null
      ? ''
      : field.name === 'month'
        ? ', month names jan-dec'
        : ', weekday names sun-sat (0 and 7 are Sunday)';
  return `${field.min}-${field.max}${names}, *, */n, a-b, a-b/n, a/n and comma-separated lists of these`;
}

const RANGE = /^([a-z0-9]+)(?:-([a-z0-9]+))?(?:\/([0-9]+))?$/;
const STAR = /^\*(?:\/([0-9]+))?$/;

/**
 * Parses `*`, `*\/n`, `a`, `a-b`, `a-b/n` or `a/n` (numbers or names), checking bounds and steps as
 * APScheduler does: a step may not exceed the span of its range. Returns null for other forms.
 */
export function parseRangeItem(item: string, field: FieldDef, context: ParseContext): RangeItem | null {
  const star = STAR.exec(item);
  if (star !== null) {
    const step =
      star[1] === undefined ? 1 : checkStep(star[1], field.starMax - field.min, item, field, context);
    return { first: field.min, last: field.starMax, step };
  }
  const range = RANGE.exec(item);
  if (range === null) return null;
  const [, firstText = '', lastText, stepText] = range;
  const first = readValue(firstText, field, context, item);
  let last: number;
  if (lastText !== undefined) last = readValue(lastText, field, context, item, first);
  else last = stepText === undefined ? first : field.starMax;
  if (first > last) {
    const hint =
      field.name === 'dayOfWeek'
        ? ' (ranges do not wrap around the week; end one with Sunday as sun or 7: fri-sun, 5-7)'
        : '';
    throw fieldError(field.name, context, `the range ${JSON.stringify(item)} runs backwards${hint}`);
  }
  const step = stepText === undefined ? 1 : checkStep(stepText, last - first, item, field, context);
  return { first, last, step };
}

function checkStep(text: string, span: number, item: string, field: FieldDef, context: ParseContext): number {
  const step = Number(text);
  if (step === 0)
    throw fieldError(field.name, context, `the step in ${JSON.stringify(item)} must be at least 1`);
  if (step > span) {
    throw fieldError(
      field.name,
      context,
      `the step ${step} in ${JSON.stringify(item)} is larger than the span of its range (${span})`,
    );
  }
  return step;
}

/**
 * A number or name within the field's bounds. `rangeStart` is given when `text` ends a range that
 * starts there: the name `sun` then ends it as 7 (`fri-sun`), unless the range starts on Sunday
 * itself, so that `sun-sun` is Sunday alone rather than the week from Sunday to Sunday.
 */
export function readValue(
  text: string,
  field: FieldDef,
  context: ParseContext,
  item: string,
  rangeStart?: number,
): number {
  if (/^[0-9]+$/.test(text)) {
    const value = Number(text);
    if (value < field.min || value > field.max) {
      throw fieldError(
        field.name,
        context,
        `${value}${within(item, context)} is out of range ${field.min}-${field.max}`,
      );
    }
    return value;
  }
  const index = field.names?.indexOf(text) ?? -1;
  if (index < 0) {
    const expected = field.names === null ? 'a number' : `a number or one of ${field.names.join(', ')}`;
    throw fieldError(
      field.name,
      context,
      `${JSON.stringify(text)}${within(item, context)} is not ${expected}`,
    );
  }
  const value = index + field.nameBase;
  const endsWithSunday = field.name === 'dayOfWeek' && value === 0 && rangeStart !== undefined;
  return endsWithSunday && rangeStart > 0 ? 7 : value;
}

/** ` in "item"`, when the item is only part of the field's text. */
export function within(item: string, context: ParseContext): string {
  return item === context.text ? '' : ` in ${JSON.stringify(item)}`;
}

/** A weekday given by name or by cron number (0 and 7 are Sunday), as 0-6. */
export function readWeekday(text: string, context: ParseContext, item: string, field: CronFieldName): number {
  return readValue(text, { ...FIELD_DEFS.dayOfWeek, name: field }, context, item) % 7;
}

/** Lowercases and tidies a field value so equal expressions print and serialize alike. */
export function normalizeFieldText(value: string | number): string {
  return String(value)
    .trim()
    .toLowerCase()
    .split(/\s*,\s*/)
    .map((item) => item.replace(/\s+/g, ' '))
    .join(',');
}

/**
 * Reads a field's comma-separated items, the same way in both cron forms: each item is first offered
 * to `special` (a day rule such as `last fri` or `5L`; `null` when it is not one), else read as a
 * range. `normalize` may rewrite an item first (crontab's `?`).
 */
export function parseFieldItems(
  field: CronFieldName,
  text: string,
  context: ParseContext,
  special: (item: string) => DaySpecial | null,
  normalize: (item: string) => string = (item) => item,
): { ranges: RangeItem[]; specials: DaySpecial[] } {
  const ranges: RangeItem[] = [];
  const specials: DaySpecial[] = [];
  for (const rawItem of text.split(',')) {
    if (rawItem === '') throw fieldError(field, context, 'an empty list item is not allowed');
    const item = normalize(rawItem);
    const rule = special(item);
    if (rule !== null) {
      specials.push(rule);
      continue;
    }
    const range = parseRangeItem(item, FIELD_DEFS[field], context);
    if (range === null) {
      throw fieldError(field, context, `${JSON.stringify(rawItem)} is not a recognized expression`);
    }
    ranges.push(range);
  }
  return { ranges, specials };
}
