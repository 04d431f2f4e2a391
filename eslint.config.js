import { join } from 'node:path';
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/python/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
    },
  },
  {
    // Rules that need the types: every .ts file belongs to tsconfig.json, which the project service
    // loads once for the whole run. The .mjs scripts (bench, fixtures) are in no project.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    // The layers of src/. Imports are resolved as tsc resolves them ('./x.js' is './x.ts'), so a
    // rule sees the file an import reaches, whatever its spelling.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: join(import.meta.dirname, 'tsconfig.json') }),
      ],
    },
    rules: {
      // A cycle of values makes the load order decide which module sees the other half-built.
      // Type-only imports are erased from the output, so they make no cycle at run time.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: [
                './src/triggers',
                './src/stores',
                './src/executors',
                './src/runs',
                './src/events',
                './src/time',
              ],
              from: './src/scheduler',
              message:
                'Triggers, stores, executors, runs, events and time sit below the scheduler: pass what they need in.',
            },
            {
              // The shared modules at the root of src/; the entry points (index.ts, testing.ts) import everything.
              target: [
                './src/clock.ts',
                './src/describe-value.ts',
                './src/errors.ts',
                './src/function-reference.ts',
                './src/job-state.ts',
                './src/logger.ts',
                './src/serialization.ts',
                './src/unknown-option.ts',
              ],
              from: './src/scheduler',
              message: 'The shared modules at the root of src/ sit below the scheduler.',
            },
            {
              // horae/admin sits on top of the core and loads Hono: nothing in the core may reach it.
              // The CLI (src/cli/) sits on top of both, and loads it for `horae dashboard` only; the
              // framework integrations (src/web/: horae/fastify, horae/express, horae/hono) mount it.
              target: ['./src/!(admin|cli|web)/**', './src/*.ts'],
              from: './src/admin',
              message: 'The core never imports src/admin (horae/admin): it would load Hono.',
            },
            {
              // horae/metrics and horae/tracing attach to a scheduler from outside (instrumentsOf) and
              // import prom-client and the OpenTelemetry API: the core never loads them.
              target: ['./src/!(admin|cli|web|nest|metrics|tracing)/**', './src/*.ts'],
              from: ['./src/metrics', './src/tracing'],
              message: 'The core never imports src/metrics or src/tracing: they load optional peers.',
            },
            {
              // horae/nest imports Nest (on first use): no other part of Horae depends on it.
              target: ['./src/!(nest)/**', './src/*.ts'],
              from: './src/nest',
              message: 'Only horae/nest imports src/nest: it loads Nest.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tool config files must default-export their configuration.
    files: ['eslint.config.js', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
