#!/usr/bin/env node
// The `horae` binary (package.json `bin`).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './program.js';

/** The version in Horae's package.json, the nearest one above this file named horae. */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'horae' && manifest.version !== undefined) return manifest.version;
    } catch {
      // No package.json here: look further up.
    }
  }
  return 'unknown';
}

// `horae jobs | head`: the reader has what it wanted and has gone; stop quietly, as cat does.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv, packageVersion());
