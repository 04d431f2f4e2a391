import { defineConfig } from 'vitest/config';

// `npm test`: every test file, files in parallel. Nothing here measures speed (bench/ does), so the
// tests hold on a loaded machine.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['node_modules/**'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
