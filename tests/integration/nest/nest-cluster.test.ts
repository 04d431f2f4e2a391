// Two Nest application processes (fixtures/nest-worker.ts, each its own Node process) with the same
// decorated jobs on one PostgreSQL store: booting the second does not duplicate the jobs, every
// scheduled run happens once across both, and each process shuts down cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, silentLogger } from '../../../src/index.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { postgresTarget } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';

const root = resolve(import.meta.dirname, '../../..');
const WORKER = join(import.meta.dirname, 'fixtures', 'nest-worker.ts');
const target = postgresTarget();

interface RunLine {
  jobId: string;
  scheduled: number;
  node: string;
}

interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string | null>;
}

let dir = '';
let workers: Worker[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'horae-nest-cluster-'));
});
afterEach(() => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  workers = [];
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await target.dispose();
});

function startWorker(name: string, storeUrl: string, runLog: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: root,
    env: { ...process.env, STORE_URL: storeUrl, RUN_LOG: runLog, NODE_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | string | null>((done) =>
    child.on('close', (code, signal) => done(code ?? signal)),
  );
  const worker = { child, output: () => output, exited };
  workers.push(worker);
  return worker;
}

function readRuns(runLog: string): RunLine[] {
  if (!existsSync(runLog)) return [];
  return readFileSync(runLog, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RunLine);
}

/** A scheduler on the store, paused: it reads the jobs without running them. */
async function reader(storeUrl: string): Promise<Scheduler> {
  const scheduler = new Scheduler({ jobStores: { default: storeUrl }, logger: silentLogger });
  await scheduler.start({ paused: true });
  return scheduler;
}

describe.skipIf(!target.available)('two Nest applications on one PostgreSQL store', () => {
  it('add each decorated job once and run each scheduled run once', async () => {
    const storeUrl = target.url(uniquePrefix('nest'));
    // The tables first, so the two processes never race to make them.
    await (await reader(storeUrl)).shutdown();
    const runLog = join(dir, 'runs.jsonl');

    const a = startWorker('a', storeUrl, runLog);
    await waitUntil(
      () => a.output().includes('ready'),
      () => `worker a to boot:\n${a.output()}`,
      30_000,
    );
    const b = startWorker('b', storeUrl, runLog);
    await waitUntil(
      () => b.output().includes('ready'),
      () => `worker b to boot:\n${b.output()}`,
      30_000,
    );
    const bootedAt = Date.now();

    const scheduler = await reader(storeUrl);
    try {
      expect((await scheduler.getJobs()).map((job) => job.id).sort()).toEqual([
        'Ticks.everySecond',
        'quarter-second',
      ]);
    } finally {
      await scheduler.shutdown();
    }

    // Runs after both booted: four seconds of the cron job, and the interval job's alongside.
    const afterBoot = () => readRuns(runLog).filter((run) => run.scheduled >= bootedAt);
    await waitUntil(
      () => afterBoot().filter((run) => run.jobId === 'Ticks.everySecond').length >= 4,
      () => `four cron runs after both booted, got ${JSON.stringify(afterBoot())}`,
      20_000,
    );

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    // enableShutdownHooks closes the application, then raises the signal again to exit.
    expect(await a.exited, a.output()).toBe('SIGTERM');
    expect(await b.exited, b.output()).toBe('SIGTERM');

    const runs = readRuns(runLog);
    const slots = runs.map((run) => `${run.jobId}@${run.scheduled}`);
    expect(new Set(slots).size, `a run happened twice:\n${slots.sort().join('\n')}`).toBe(slots.length);
    expect(runs.filter((run) => run.jobId === 'quarter-second').length).toBeGreaterThan(4);
    // Both processes took runs: they share the jobs rather than one idling beside the other.
    expect(new Set(afterBoot().map((run) => run.node))).toEqual(new Set(['a', 'b']));
    // The cron job's runs are on whole seconds, one each.
    expect(runs.every((run) => run.jobId !== 'Ticks.everySecond' || run.scheduled % 1000 === 0)).toBe(true);
  }, 90_000);
});
