import { offsetAt } from '../time/zone.js';
import { CalendarIntervalTrigger } from './calendar-interval-trigger.js';
import { CombiningTrigger } from './combining.js';
import { parseCrontab } from './cron/crontab.js';
import { clock, describeCronSpec } from './cron/describe-cron.js';
import { parseFieldForm } from './cron/field-form.js';
import { CronTrigger } from './cron-trigger.js';
import { DateTrigger } from './date-trigger.js';
import { IntervalTrigger } from './interval-trigger.js';
import type { Trigger } from './trigger.js';

/** A description without its zone, and the zone its times are read in (`null`: none is named). */
interface Words {
  text: string;
  zone: string | null;
}

const UNITS = [
  ['week', 604_800_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
  ['millisecond', 1],
] as const;

/**
 * A trigger in English, for people: `'every weekday at 10:30 (Asia/Shanghai)'`, `'every 5
 * minutes'`, `'at 09:00 on the last Friday of the month (UTC)'`, `'once at 2026-12-24 18:00
 * (Europe/Berlin)'`. Every built-in trigger is described (cron in both its field and crontab
 * forms, and/or combinations of any); a trigger of another kind gives its `toString()`. The zone
 * ends the text, in parentheses, whenever the times are wall-clock times (every trigger but an
 * interval without start or end date); start and end dates and jitter are included.
 *
 * @example describeTrigger(CronTrigger.fromCrontab('30 10 * * 1-5', { timezone: 'Asia/Shanghai' }))
 * // 'every weekday at 10:30 (Asia/Shanghai)'
 */
export function describeTrigger(trigger: Trigger): string {
  const { text, zone } = describeWords(trigger);
  return zone === null ? text : `${text} (${zone})`;
}

function describeWords(trigger: Trigger): Words {
  if (trigger instanceof DateTrigger) {
    return { text: `once at ${wallTime(trigger.runDate, trigger.timezone)}`, zone: trigger.timezone };
  }
  if (trigger instanceof IntervalTrigger) {
    const text = `every ${duration([[trigger.intervalMs, 'millisecond']])}`;
    const dated = trigger.startDate !== null || trigger.endDate !== null;
    return { text: withWindow(text, trigger), zone: dated ? trigger.timezone : null };
  }
  if (trigger instanceof CalendarIntervalTrigger) {
    const steps = duration([
      [trigger.years, 'year'],
      [trigger.months, 'month'],
      [trigger.weeks, 'week'],
      [trigger.days, 'day'],
    ]);
    const text = `every ${steps} at ${clock(trigger.hour, trigger.minute, trigger.second)}`;
    return { text: withWindow(text, trigger), zone: trigger.timezone };
  }
  if (trigger instanceof CronTrigger) {
    const spec =
      trigger.crontab === null
        ? parseFieldForm(trigger.fields ?? {}).spec
        : parseCrontab(trigger.crontab, trigger.domAndDow);
    return { text: withWindow(describeCronSpec(spec), trigger), zone: trigger.timezone };
  }
  if (trigger instanceof CombiningTrigger) return describeCombination(trigger);
  return { text: trigger.toString(), zone: null };
}

/**
 * `every hour or every weekday at 09:00`, `both ... and ...`, `all of ..., ... and ...`. The
 * parts' shared zone is named once at the end; parts in different zones each keep their own.
 */
function describeCombination(trigger: CombiningTrigger): Words {
  const parts = trigger.triggers.map(describeWords);
  const zones = new Set(parts.map((part) => part.zone).filter((zone) => zone !== null));
  const shared = zones.size <= 1;
  const texts = parts.map((part) =>
    shared || part.zone === null ? part.text : `${part.text} (${part.zone})`,
  );
  let text: string;
  if (trigger.type === 'or') text = joinWords(texts, 'or');
  else if (texts.length === 2) text = `both ${texts[0] as string} and ${texts[1] as string}`;
  else text = `all of ${joinWords(texts, 'and')}`;
  return { text: withJitter(text, trigger.jitter), zone: shared ? ([...zones][0] ?? null) : null };
}

/** `2 hours and 30 minutes`; a single unit of 1 is the unit alone (`hour`). */
function duration(amounts: readonly (readonly [number, string])[]): string {
  const parts: [number, string][] = [];
  for (const [amount, unit] of amounts) {
    if (amount === 0) continue;
    if (unit !== 'millisecond') {
      parts.push([amount, unit]);
      continue;
    }
    // Elapsed time in the largest units that divide it: 10 days, not 1 week and 3 days.
    let rest = amount;
    for (const [name, ms] of UNITS) {
      if (name === 'week' && rest % ms !== 0) continue;
      if (rest < ms) continue;
      parts.push([Math.floor(rest / ms), name]);
      rest %= ms;
    }
  }
  const [only] = parts;
  if (parts.length === 1 && only?.[0] === 1) return only[1];
  return joinWords(
    parts.map(([amount, unit]) => `${amount} ${unit}${amount === 1 ? '' : 's'}`),
    'and',
  );
}

function withWindow(
  text: string,
  trigger: { startDate: Date | null; endDate: Date | null; timezone: string; jitter: number | null },
): string {
  let words = text;
  if (trigger.startDate !== null) words += ` from ${wallTime(trigger.startDate, trigger.timezone)}`;
  if (trigger.endDate !== null) words += ` until ${wallTime(trigger.endDate, trigger.timezone)}`;
  return withJitter(words, trigger.jitter);
}

function withJitter(text: string, jitter: number | null): string {
  if (jitter === null || jitter === 0) return text;
  return `${text}, with up to ${jitter} second${jitter === 1 ? '' : 's'} of jitter`;
}

/** `2026-12-24 18:00` in `zone` (seconds and milliseconds only when there are some). */
function wallTime(date: Date, zone: string): string {
  const wall = new Date(date.getTime() + offsetAt(zone, date.getTime())).toISOString();
  const millis = wall.slice(19, 23);
  const seconds = wall.slice(16, 19);
  const tail = millis !== '.000' ? `${seconds}${millis}` : seconds !== ':00' ? seconds : '';
  return `${wall.slice(0, 10)} ${wall.slice(11, 16)}${tail}`;
}

function joinWords(words: string[], conjunction: 'and' | 'or'): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1) as string}`;
}
