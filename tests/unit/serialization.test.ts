// `isJsonSafe` is the quiet form of `assertJsonSafe` that each run's return value goes through
// (src/runs/outcome.ts): it must agree with it on every value, and cost no exception when it refuses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, assertJsonSafe, isJsonSafe } from '../../src/serialization.js';

function accepted(value: unknown): boolean {
  try {
    assertJsonSafe(value, 'value');
    return true;
  } catch {
    return false;
  }
}

describe('isJsonSafe', () => {
  it('agrees with assertJsonSafe on any value', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
          withBoxedValues: true,
        }),
        (value) => {
          expect(isJsonSafe(value)).toBe(accepted(value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees on cycles, shared objects, holes and depth', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const shared = { x: 1 };
    const holey = [1, 2, 3];
    delete holey[1];
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = [deep];
    const cases = [
      cyclic,
      { a: shared, b: shared },
      holey,
      deep,
      [deep],
      () => 1,
      undefined,
      NaN,
      new Date(0),
      null,
    ];
    for (const value of cases) expect(isJsonSafe(value)).toBe(accepted(value));
    expect(isJsonSafe({ a: shared, b: shared })).toBe(true);
    expect(isJsonSafe(cyclic)).toBe(false);
  });
});
