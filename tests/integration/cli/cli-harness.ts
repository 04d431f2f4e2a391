// Runs the built `horae` binary as a user would: a child process, its output and its exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { beforeAll } from 'vitest';
import { buildDist } from '../../helpers/build.js';
import { waitUntil } from '../../helpers/wait.js';

/** The job functions of the CLI tests: `${TASKS}:touch`, `${TASKS}:fail`, `${TASKS}:hold`. */
export const TASKS = resolve(import.meta.dirname, 'fixtures/tasks.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let main = '';

/** Builds the package once per file (shared with the other process tests through buildDist). */
export function useBuiltCli(): void {
  beforeAll(async () => {
    main = join(await buildDist(), 'cli', 'main.js');
  }, 240_000);
}

/** The environment of a run: no HORAE_STORE from the caller's shell, no colour. */
function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.HORAE_STORE;
  return { ...base, ...env };
}

/** Runs `horae ...args` to its end. */
export function horae(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliResult> {
  const child = spawnHorae(args, options);
  return new Promise((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      resolveRun({ code, stdout: child.output.stdout, stderr: child.output.stderr }),
    );
  });
}

/** A `horae` process that keeps running (`run`, `dashboard`), with what it has printed so far. */
export interface RunningCli {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

export function spawnHorae(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): ChildProcess & { output: { stdout: string; stderr: string } } {
  if (main === '') throw new Error('useBuiltCli() must run before the CLI is spawned');
  const child = spawn(process.execPath, [main, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: cliEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return Object.assign(child, { output });
}

/** Starts a long-running `horae` command and waits until its stdout contains `ready`. */
export async function startHorae(
  args: string[],
  ready: string | RegExp,
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<RunningCli> {
  const child = spawnHorae(args, options);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolveExit) =>
    child.on('close', (code) => {
      exitCode = code;
      resolveExit(code);
    }),
  );
  const matches = () =>
    typeof ready === 'string' ? child.output.stdout.includes(ready) : ready.test(child.output.stdout);
  await waitUntil(
    () => matches() || exitCode !== undefined,
    () =>
      `horae ${args.join(' ')} to print ${String(ready)}; stdout: ${child.output.stdout}; stderr: ${child.output.stderr}`,
    30_000,
  );
  if (!matches()) {
    throw new Error(`horae ${args.join(' ')} exited (${exitCode}) early; stderr: ${child.output.stderr}`);
  }
  return { child, output: child.output, exited };
}

/** Parses the JSON a `--json` command printed, failing with its output when it is not JSON. */
export function json<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** True when `text` holds a stack trace line. */
export function hasStack(text: string): boolean {
  return /^\s+at .+\(?.+:\d+:\d+\)?$/m.test(text);
}
