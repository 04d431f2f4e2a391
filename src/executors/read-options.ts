import { InvalidArgumentError } from '../errors.js';

/** Reads a positive integer option such as `maxWorkers`, with the field named in the error. */
export function readPositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`Invalid ${field} ${JSON.stringify(value)}: expected a positive integer`, {
      field,
      value,
    });
  }
  return value;
}
