import { describe, expect, it } from 'vitest';
import { reviveError } from '../../../src/executors/pool/protocol.js';

describe('reviveError', () => {
  it('keeps the class name, message, stack and own properties of a custom error', () => {
    const error = reviveError({
      kind: 'error',
      name: 'ValidationError',
      message: 'bad email',
      stack: 'ValidationError: bad email\n    at job (file:///jobs.mjs:1:1)',
      props: { code: 'E_VALIDATION', field: 'email' },
    }) as Error & Record<string, unknown>;
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'bad email',
      code: 'E_VALIDATION',
      field: 'email',
    });
    expect(error.stack).toContain('jobs.mjs:1:1');
    expect(String(error)).toBe('ValidationError: bad email');
  });

  it('rebuilds built-in error classes, and causes', () => {
    const error = reviveError({
      kind: 'error',
      name: 'RangeError',
      message: 'outer',
      stack: undefined,
      props: {},
      cause: { kind: 'error', name: 'TypeError', message: 'inner', stack: undefined, props: {} },
    }) as Error;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('passes a thrown non-error value through', () => {
    expect(reviveError({ kind: 'value', value: { status: 503 } })).toEqual({ status: 503 });
  });
});
