import { defineConfig } from 'vitest/config';

// The second phase of `npm test`: tests that measure wall time or CPU, one file at a time, after
// the main phase, so no other test competes with them for the machine's cores.
export default defineConfig({
  test: {
    include: ['tests/timing/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
  },
});
