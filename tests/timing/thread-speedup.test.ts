// Timing-sensitive: runs in the second phase of `npm test` (vitest.timing.config.ts), one file at a
// time, so the other test files do not compete for the two cores it measures.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_JOB_EXECUTED, type JobExecutionEvent } from '../../src/index.js';
import { ThreadExecutor } from '../../src/executors/thread-executor.js';
import { makeContext, makeJob, ref, submit } from '../integration/executors/helpers.js';

let executor: ThreadExecutor | undefined;
afterEach(async () => {
  await executor?.shutdown({ wait: false });
  executor = undefined;
});

function start(options: ConstructorParameters<typeof ThreadExecutor>[0] = {}) {
  executor = new ThreadExecutor(options);
  const harness = makeContext();
  void executor.start(harness.context);
  return { executor, ...harness };
}

/** System-wide busy and total CPU time so far, in clock ticks, from /proc/stat. */
function systemCpu(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

interface CpuRound {
  ms: number;
  events: JobExecutionEvent[];
  /** Cores' worth of CPU that other processes used meanwhile. */
  othersCores: number;
}

/** `jobs` CPU-bound runs on `workers` threads (started beforehand): wall time, and how busy the machine was. */
async function cpuBound(workers: number, jobs: number): Promise<CpuRound> {
  const { executor, context, events, waitForEvents } = start({ maxWorkers: workers });
  const warm = makeJob({ id: 'warm', func: ref('where'), maxInstances: workers });
  for (let i = 0; i < workers; i++) submit(executor, context, warm);
  await waitForEvents(workers, EVENT_JOB_EXECUTED);
  events.length = 0;
  const system = systemCpu();
  const own = process.cpuUsage();
  const started = performance.now();
  const burn = makeJob({ id: 'burn', func: ref('burnWhere'), args: [8], maxInstances: jobs });
  for (let i = 0; i < jobs; i++) submit(executor, context, burn);
  const done = (await waitForEvents(jobs, EVENT_JOB_EXECUTED, 60_000)) as JobExecutionEvent[];
  const ms = performance.now() - started;
  const ownUsage = process.cpuUsage(own);
  const ticks = systemCpu();
  const ticksPerMs = (ticks.total - system.total) / (ms * availableParallelism());
  const othersMs = (ticks.busy - system.busy) / ticksPerMs - (ownUsage.user + ownUsage.system) / 1000;
  await executor.shutdown({ wait: true });
  return { ms, events: done, othersCores: Math.max(0, othersMs / ms) };
}

describe('ThreadExecutor', () => {
  it('runs CPU-bound jobs on both cores: two workers are clearly faster than one', async () => {
    let best = 0;
    let busiest = 0;
    for (let round = 0; round < 6 && best < 1.5; round++) {
      const one = await cpuBound(1, 8);
      const two = await cpuBound(2, 8);
      best = Math.max(best, one.ms / two.ms);
      busiest = Math.max(busiest, one.othersCores, two.othersCores);
      // Whatever the machine's load, the two threads ran jobs at the same time.
      const spans = two.events.map((event) => ({
        thread: (event.retval as { threadId: number }).threadId,
        from: event.startedAt!.getTime(),
        to: event.finishedAt!.getTime(),
      }));
      expect(new Set(spans.map((span) => span.thread)).size).toBe(2);
      const overlap = spans.some((a) =>
        spans.some((b) => a.thread !== b.thread && a.from < b.to && b.from < a.to),
      );
      expect(overlap).toBe(true);
    }
    // The diagnostic says how much of the machine other processes took while this measured.
    expect(
      best,
      `best 2-vs-1 ratio ${best.toFixed(2)}; other processes used ${busiest.toFixed(1)} cores`,
    ).toBeGreaterThanOrEqual(1.5);
  }, 90_000);
});
