import { announceServices } from './services.js';

/** vitest global setup: once per run, before any test file. */
export function setup(): void {
  announceServices();
}
