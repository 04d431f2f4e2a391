import { defineConfig } from 'vitest/config';

// The main phase of `npm test`: every test file but the timing-sensitive ones, files in parallel.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/timing/**', 'node_modules/**'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
