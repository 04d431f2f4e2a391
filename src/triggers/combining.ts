import { InvalidTriggerError } from '../errors.js';
import { assertTriggerVersion, registerTriggerFactory, triggerFromJSON } from './registry.js';
import type { Trigger, TriggerJSON } from './trigger.js';
import { assertKnownKeys, readJitter } from './validate.js';

/** Options of `AndTrigger` and `OrTrigger`. */
export interface CombiningTriggerOptions {
  /** Random delay of up to this many seconds, added to each run by the scheduler. */
  jitter?: number;
}

/** The alias form: `addJob(fn, 'and', { triggers: [a, b] })`. */
export interface CombiningTriggerAliasOptions extends CombiningTriggerOptions {
  triggers: Trigger[];
}

export const COMBINING_OPTION_KEYS = ['triggers', 'jitter'] as const;

export function readTriggers(triggers: unknown, type: string): Trigger[] {
  if (!Array.isArray(triggers) || triggers.length === 0) {
    throw new InvalidTriggerError(`The ${type} trigger needs a non-empty array of triggers`, {
      field: 'triggers',
      value: triggers,
    });
  }
  triggers.forEach((trigger: unknown, index) => {
    const candidate = trigger as Partial<Trigger> | null;
    if (
      candidate === null ||
      typeof candidate !== 'object' ||
      typeof candidate.getNextFireTime !== 'function' ||
      typeof candidate.toJSON !== 'function'
    ) {
      throw new InvalidTriggerError(`triggers[${index}] of the ${type} trigger is not a trigger`, {
        field: 'triggers',
        value: trigger,
      });
    }
  });
  return [...(triggers as Trigger[])];
}

export function readCombiningOptions(options: unknown, type: string): number | null {
  if (options === undefined) return null;
  if (options === null || typeof options !== 'object') {
    throw new InvalidTriggerError(`The ${type} trigger's options must be an object such as { jitter: 5 }`, {
      field: 'options',
      value: options,
    });
  }
  assertKnownKeys(options, ['jitter'], type);
  return readJitter((options as CombiningTriggerOptions).jitter);
}

/**
 * A part's first fire time after `previous`. A part that fired at `previous` answers that through
 * `getNextFireTime(previous)`; one that did not (another part fired) answers through its first time
 * at or after `previous + 1 ms`, `getNextFireTime(null, previous + 1 ms)`, since an interval or date
 * trigger would count from a time that is not its own. The earlier of the two is right in both cases.
 */
export function nextFireAfter(trigger: Trigger, previous: Date | null, now: Date): number | null {
  const own = trigger.getNextFireTime(previous, now)?.getTime() ?? null;
  if (previous === null) return own;
  const anchored = firstFireAtOrAfter(trigger, previous.getTime() + 1);
  return own === null || (anchored !== null && anchored < own) ? anchored : own;
}

/**
 * A part's first fire time at or after `time`: `getNextFireTime(null, time)`, which by the trigger
 * contract is that time, except for a date trigger whose date has passed (it still returns it).
 */
export function firstFireAtOrAfter(trigger: Trigger, time: number): number | null {
  const next = trigger.getNextFireTime(null, new Date(time))?.getTime() ?? null;
  return next !== null && next >= time ? next : null;
}

/**
 * What `AndTrigger` and `OrTrigger` share: their parts, jitter, JSON form, text and registration.
 * Each subclass decides only how the parts' next fire times combine.
 */
export abstract class CombiningTrigger implements Trigger {
  readonly triggers: readonly Trigger[];
  readonly jitter: number | null;

  protected constructor(
    readonly type: 'and' | 'or',
    triggers: Trigger[],
    options?: CombiningTriggerOptions,
  ) {
    this.triggers = readTriggers(triggers, type);
    this.jitter = readCombiningOptions(options, type);
  }

  abstract getNextFireTime(previousFireTime: Date | null, now: Date): Date | null;

  toJSON(): TriggerJSON {
    return {
      type: this.type,
      version: 1,
      triggers: this.triggers.map((trigger) => trigger.toJSON()),
      jitter: this.jitter,
    };
  }

  toString(): string {
    const parts = this.triggers.map(String);
    if (this.jitter !== null) parts.push(`jitter=${this.jitter}s`);
    return `${this.type}[${parts.join(', ')}]`;
  }
}

type CombiningConstructor<T> = new (triggers: Trigger[], options?: CombiningTriggerOptions) => T;

/** Reads a combining trigger back from its `toJSON()`. */
export function combiningFromJSON<T>(json: TriggerJSON, Combining: CombiningConstructor<T>): T {
  assertTriggerVersion(json, 1);
  if (!Array.isArray(json.triggers)) {
    throw new InvalidTriggerError(`Serialized ${json.type} trigger has no "triggers" array`, {
      field: 'triggers',
      value: json.triggers,
    });
  }
  const triggers = (json.triggers as TriggerJSON[]).map((part) => triggerFromJSON(part));
  const options: CombiningTriggerOptions = {};
  if (json.jitter !== null && json.jitter !== undefined) options.jitter = json.jitter as number;
  return new Combining(triggers, options);
}

/** Registers the alias (`addJob(fn, 'and', { triggers })`) and JSON type of a combining trigger. */
export function registerCombiningTrigger(type: 'and' | 'or', Combining: CombiningConstructor<Trigger>): void {
  registerTriggerFactory({
    type,
    optionKeys: COMBINING_OPTION_KEYS,
    create: (options) => {
      assertKnownKeys(options, COMBINING_OPTION_KEYS, type);
      const { triggers, ...rest } = options as unknown as CombiningTriggerAliasOptions;
      return new Combining(triggers, rest);
    },
    fromJSON: (json) => combiningFromJSON(json, Combining),
  });
}
