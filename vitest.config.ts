import { defineConfig } from 'vitest/config';

// `npm test`: every test file, files in parallel. Nothing here measures speed (bench/ does), so the
// tests hold on a loaded machine. Most files spend their time waiting (on servers, child processes,
// real-time schedules) rather than computing, so they run four at a time even on two cores, where
// vitest's default would run one file at a time.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['node_modules/**'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    maxWorkers: 4,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
