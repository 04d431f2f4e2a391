import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { DateTrigger } from '../../../src/triggers/date-trigger.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import { buildDist } from '../../helpers/build.js';
import { makeJob } from '../../helpers/jobs.js';
import { RedisJobStore } from '../../../src/stores/redis/index.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { deleteKeys, randomPrefix } from './redis-test-env.js';

const here = dirname(fileURLToPath(import.meta.url));
const url = serviceUrl('redis');
let dist: string;

function startScheduler(schedulerId: string, prefix: string, log: string[]) {
  const child = spawn(
    process.execPath,
    [join(here, 'fixtures/scheduler-process.mjs'), url as string, prefix, schedulerId],
    {
      env: { ...process.env, HORAE_SCHEDULER_ID: schedulerId, HORAE_DIST: dist },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
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

interface Run {
  jobId: string;
  scheduled: number;
  by: string;
  at: number;
}

function readRuns(file: string): Run[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [jobId, scheduled, by, at] = line.split(' ');
      return { jobId: jobId as string, scheduled: Number(scheduled), by: by as string, at: Number(at) };
    });
}

describe.skipIf(url === undefined)('two scheduler processes on one Redis', () => {
  const prefix = randomPrefix('two-processes');
  const outFile = join(tmpdir(), `horae-${prefix.replace(/:/g, '-')}runs.log`);
  const children: ChildProcess[] = [];

  // The child processes run the built package, not the TypeScript sources: a build of their own,
  // so no other test file's build can change it under them.
  beforeAll(async () => {
    dist = await buildDist();
  }, 120_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(outFile, { force: true });
    await deleteKeys(url as string, prefix);
  });

  it('run every scheduled run once, and the survivor takes over when one is killed', async () => {
    const intervalMs = 200;
    const leaseMs = 1000;
    const firstRun = Date.now() + 1500;
    const reference = `${join(here, 'fixtures/record-run.mjs')}:record`;

    // Stored with their first run time given outright, so a slow seeding never moves it.
    const store = new RedisJobStore({ url: url as string, prefix });
    await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
    const common = { func: reference, args: [outFile], misfireGraceTime: null, coalesce: false };
    for (let i = 0; i < 10; i++) {
      const trigger = new IntervalTrigger({
        milliseconds: intervalMs,
        startDate: new Date(firstRun),
        timezone: 'UTC',
      });
      // Room for a catch-up and the next slot at once: no slot skipped for maxInstances when slow.
      await store.addJob(makeJob(`tick-${i}`, firstRun, { ...common, trigger, maxInstances: 50 }));
    }
    // A burst of 300 one-shot jobs due at the same instant: both processes race to claim them.
    for (let i = 0; i < 300; i++) {
      const trigger = new DateTrigger({ runDate: new Date(firstRun + 300), timezone: 'UTC' });
      await store.addJob(makeJob(`once-${i}`, firstRun + 300, { ...common, trigger }));
    }
    await store.shutdown();

    const log: string[] = [];
    const a = startScheduler('A', prefix, log);
    const b = startScheduler('B', prefix, log);
    children.push(a.child, b.child);
    await Promise.all([a.ready, b.ready]);
    const ticks = (runs: Run[]) => runs.filter((run) => run.jobId.startsWith('tick-'));
    await waitUntil(
      () => {
        const runs = readRuns(outFile);
        return (
          new Set(runs.filter((run) => run.jobId.startsWith('once-')).map((run) => run.jobId)).size === 300 &&
          ticks(runs).filter((run) => run.scheduled >= firstRun + 4 * intervalMs).length >= 10
        );
      },
      () => `the burst and five slots of every tick to run: ${log.join('')}`,
      30_000,
      50,
    );
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    // B alone, well past A's leases, for five more slots of every tick.
    const until = killedAt + leaseMs + 5 * intervalMs;
    await waitUntil(
      () =>
        new Set(
          ticks(readRuns(outFile))
            .filter((run) => run.scheduled >= until)
            .map((run) => run.jobId),
        ).size === 10,
      () => `B to run every tick past the kill: ${log.join('')}`,
      30_000,
      50,
    );
    b.child.kill('SIGTERM');
    expect(await b.exited, log.join('')).toBe(0);

    const runs = readRuns(outFile);
    // A run A had started when it was killed may be run again by B once A's lease runs out (runs
    // survive a crash at least once; nothing else may repeat).
    const seen = new Map<string, Run>();
    for (const run of runs) {
      const key = `${run.jobId}@${run.scheduled}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        expect({ key, first: earlier.by, again: run.by }).toEqual({ key, first: 'A', again: 'B' });
        expect(killedAt - earlier.at, `${key} ran twice though A ran it long before the kill`).toBeLessThan(
          leaseMs,
        );
      }
      seen.set(key, run);
    }

    const once = runs.filter((run) => run.jobId.startsWith('once-'));
    expect(new Set(once.map((run) => run.jobId)).size).toBe(300);

    // The other way round: A releases a job as soon as its runs are handed to the executor, so a
    // run A had claimed but not yet made when it was killed is lost (until leases are held through
    // the run). The test allows that for slots due shortly before the kill; none elsewhere.
    const IN_FLIGHT_MS = 3000;
    for (let i = 0; i < 10; i++) {
      const times = [
        ...new Set(runs.filter((run) => run.jobId === `tick-${i}`).map((run) => run.scheduled)),
      ].sort((x, y) => x - y);
      expect(times[0]).toBe(firstRun);
      const last = times[times.length - 1] as number;
      const slots = Array.from(
        { length: (last - firstRun) / intervalMs + 1 },
        (_, k) => firstRun + k * intervalMs,
      );
      const lost = slots.filter((slot) => !times.includes(slot));
      const detail = `tick-${i}: slots lost ${JSON.stringify(lost)} (killed at ${killedAt}); runs: ${JSON.stringify(runs.filter((run) => run.jobId === `tick-${i}`))}`;
      for (const slot of lost) {
        expect(slot, detail).toBeLessThanOrEqual(killedAt);
        expect(slot, detail).toBeGreaterThan(killedAt - IN_FLIGHT_MS);
      }
    }
    const afterKill = runs.filter((run) => run.at > killedAt);
    expect(afterKill.length).toBeGreaterThan(0);
    expect(afterKill.every((run) => run.by === 'B')).toBe(true);
    const byA = runs.filter((run) => run.by === 'A').length;
    console.log(`two-process test: ${runs.length} runs, ${byA} by A, ${runs.length - byA} by B`);
  }, 90_000);
});
