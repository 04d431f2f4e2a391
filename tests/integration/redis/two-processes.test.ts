import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, silentLogger } from '../../../src/index.js';
import { RedisJobStore } from '../../../src/stores/redis/index.js';
import { serviceUrl } from '../../helpers/services.js';
import { deleteKeys, randomPrefix } from './redis-test-env.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const url = serviceUrl('redis');

/** Builds dist/ as a user would get it; the child processes run that, not the TypeScript sources. */
function build(): void {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const built = ['dist/index.js', 'dist/stores/redis/index.js'].every((file) => existsSync(join(root, file)));
  if (result.status !== 0) {
    // tsc still emits on type errors elsewhere in the tree; only a missing output is fatal here.
    console.warn(
      `tsc -p tsconfig.build.json exited with ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
  if (!built) throw new Error(`The build did not produce dist/: ${result.stdout}${result.stderr}`);
}

function startScheduler(schedulerId: string, prefix: string, stopAt: number, log: string[]) {
  const child = spawn(
    process.execPath,
    [join(here, 'fixtures/scheduler-process.mjs'), url as string, prefix, schedulerId, String(stopAt)],
    { env: { ...process.env, HORAE_SCHEDULER_ID: schedulerId }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const ready = new Promise<void>((resolveReady, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolveReady();
    });
    child.once('exit', (code) => reject(new Error(`${schedulerId} exited (${code}) before it was ready`)));
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  return { child, ready, exited };
}

describe.skipIf(url === undefined)('two scheduler processes on one Redis', () => {
  const prefix = randomPrefix('two-processes');
  const outFile = join(tmpdir(), `horae-${prefix.replace(/:/g, '-')}runs.log`);
  const children: ChildProcess[] = [];

  beforeAll(build, 60_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(outFile, { force: true });
    await deleteKeys(url as string, prefix);
  });

  it('run every scheduled run once, and the survivor takes over when one is killed', async () => {
    const t0 = Date.now();
    const firstRun = t0 + 1500;
    const killAt = firstRun + 1500;
    const stopAt = firstRun + 3500;
    const intervalMs = 200;
    const reference = `${join(here, 'fixtures/record-run.mjs')}:record`;

    const seeder = new Scheduler({
      jobStores: { default: new RedisJobStore({ url: url as string, prefix }) },
      logger: silentLogger,
    });
    await seeder.start({ paused: true });
    for (let i = 0; i < 10; i++) {
      await seeder.addJob(reference, 'interval', {
        milliseconds: intervalMs,
        startDate: new Date(firstRun),
        id: `tick-${i}`,
        args: [outFile],
        misfireGraceTime: null,
        coalesce: false,
      });
    }
    // A burst of 300 one-shot jobs due at the same instant: both processes race to claim them.
    for (let i = 0; i < 300; i++) {
      await seeder.addJob(reference, 'date', {
        runDate: new Date(firstRun + 300),
        id: `once-${i}`,
        args: [outFile],
        misfireGraceTime: null,
      });
    }
    await seeder.shutdown();

    const log: string[] = [];
    const a = startScheduler('A', prefix, stopAt, log);
    const b = startScheduler('B', prefix, stopAt, log);
    children.push(a.child, b.child);
    await Promise.all([a.ready, b.ready]);
    await new Promise((resolveKill) => setTimeout(resolveKill, killAt - Date.now()));
    a.child.kill('SIGKILL');
    expect(await b.exited, log.join('')).toBe(0);

    const runs = readFileSync(outFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [jobId, scheduled, by] = line.split(' ');
        return { jobId: jobId as string, scheduled: Number(scheduled), by: by as string };
      });
    const keys = runs.map((run) => `${run.jobId}@${run.scheduled}`);
    const duplicates = keys.filter((key, index) => keys.indexOf(key) !== index);
    expect(duplicates, 'runs fired twice').toEqual([]);

    const once = runs.filter((run) => run.jobId.startsWith('once-'));
    expect(new Set(once.map((run) => run.jobId)).size).toBe(300);

    for (let i = 0; i < 10; i++) {
      const times = runs
        .filter((run) => run.jobId === `tick-${i}`)
        .map((run) => run.scheduled)
        .sort((x, y) => x - y);
      // Every slot from the first run on, none skipped across the takeover.
      expect(times[0]).toBe(firstRun);
      expect(times.every((time, index) => time === firstRun + index * intervalMs)).toBe(true);
      expect(times.length).toBeGreaterThanOrEqual(Math.floor((stopAt - firstRun) / intervalMs) - 2);
    }
    const afterKill = runs.filter((run) => run.scheduled > killAt + 1000);
    expect(afterKill.length).toBeGreaterThan(0);
    expect(afterKill.every((run) => run.by === 'B')).toBe(true);
    const byA = runs.filter((run) => run.by === 'A').length;
    console.log(`two-process test: ${runs.length} runs, ${byA} by A, ${runs.length - byA} by B`);
  }, 30_000);
});
