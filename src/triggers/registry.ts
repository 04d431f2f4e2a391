import { InvalidTriggerError } from '../errors.js';
import type { Trigger, TriggerJSON } from './trigger.js';

/**
 * The constructor options of each trigger alias. Each trigger module adds its own entry by
 * declaration merging, so `scheduler.addJob(fn, 'cron', { hour: 3 })` is typed per alias.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TriggerAliases {}

export type TriggerAlias = keyof TriggerAliases & string;

/** How a trigger type is built from an alias and its options, and read back from JSON. */
export interface TriggerFactory {
  readonly type: string;
  /** Every option key the trigger accepts; anything else given with the alias is an error. */
  readonly optionKeys: readonly string[];
  create(options: Record<string, unknown>, defaults: { timezone: string }): Trigger;
  fromJSON(json: TriggerJSON): Trigger;
}

const factories = new Map<string, TriggerFactory>();

/** Makes a trigger type known to `addJob` aliases and to `triggerFromJSON`. */
export function registerTriggerFactory(factory: TriggerFactory): void {
  factories.set(factory.type, factory);
}

export function triggerFactory(type: string): TriggerFactory {
  const factory = factories.get(type);
  if (factory === undefined) {
    throw new InvalidTriggerError(
      `Unknown trigger type ${JSON.stringify(type)}; valid types are: ${[...factories.keys()].sort().join(', ')}`,
      { field: 'trigger', value: type },
    );
  }
  return factory;
}

export function registeredTriggerTypes(): string[] {
  return [...factories.keys()].sort();
}

/** Rebuilds a trigger from the output of its `toJSON()`. */
export function triggerFromJSON(json: TriggerJSON): Trigger {
  if (json === null || typeof json !== 'object' || typeof json.type !== 'string') {
    throw new InvalidTriggerError('Serialized trigger must be an object with a string "type"', {
      field: 'trigger',
      value: json,
    });
  }
  return triggerFactory(json.type).fromJSON(json);
}

/** Checks the `version` of a serialized trigger against the versions a factory can read. */
export function assertTriggerVersion(json: TriggerJSON, supported: number): void {
  if (json.version !== supported) {
    throw new InvalidTriggerError(
      `Cannot read a "${json.type}" trigger of version ${String(json.version)}; this Horae reads version ${supported}`,
      { field: 'version', value: json.version },
    );
  }
}
