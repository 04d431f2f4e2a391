// Run records a store cannot take are kept until it can (issue 11), but no more than 10,000 per
// store: past that the oldest are dropped, and the log says so. The store here is the memory store
// with its run-history writes failing on demand, standing in for a database that is away (the
// same path is tested against the real servers in half-open.test.ts).
import { describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { Scheduler } from '../../../src/index.js';
import type { RunRecord } from '../../../src/stores/job-store.js';
import { MemoryJobStore } from '../../../src/stores/memory/index.js';
import { collectingLogger } from '../../helpers/jobs.js';

/** A memory store whose run-history writes fail while `down` is set. */
class HistoryOutageStore extends MemoryJobStore {
  down = false;

  override addRun(record: RunRecord, retention: number): Promise<void> {
    if (this.down) return Promise.reject(new JobStoreError('run history unreachable'));
    return super.addRun(record, retention);
  }

  override addRuns(records: RunRecord[], retention: number): Promise<void> {
    if (this.down) return Promise.reject(new JobStoreError('run history unreachable'));
    return super.addRuns(records, retention);
  }

  // A run's record is written as its run ends in the store, in one call.
  override finishRuns(
    node: string,
    runIds: string[],
    records: RunRecord[],
    retention: number,
  ): Promise<void> {
    if (this.down) return Promise.reject(new JobStoreError('run history unreachable'));
    return super.finishRuns(node, runIds, records, retention);
  }
}

async function waitFor(what: string, condition: () => boolean, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

describe('run records kept through an outage', () => {
  it('keeps the newest 10,000 per store, drops older ones with a warning, and writes the rest', async () => {
    const store = new HistoryOutageStore();
    const logger = collectingLogger();
    const scheduler = new Scheduler({
      jobStores: { default: store },
      executors: { default: { type: 'async', maxConcurrency: 1000 } },
      logger,
    });
    let ran = 0;
    await scheduler.registerTask('tick', () => void ran++);
    const total = 10_100;
    // All due now: claimed, run and recorded in id order.
    const start = Date.now();
    for (let i = 0; i < total; i++) {
      const id = `job-${String(i).padStart(5, '0')}`;
      await scheduler.addJob('tick', 'interval', {
        id,
        hours: 1,
        nextRunTime: new Date(start),
        misfireGraceTime: null,
      });
    }
    store.down = true;
    await scheduler.start();
    try {
      await waitFor('every run', () => ran === total, 30_000);
      await waitFor(
        'the warning that records are dropped',
        () => logger.lines.some((line) => line.message.includes('the oldest are dropped from now on')),
        20_000,
      );
      expect(logger.lines.filter((line) => line.message.startsWith('Could not record'))[0]?.level).toBe(
        'error',
      );

      store.down = false;
      // getRuns writes what was kept first.
      expect(await scheduler.getRuns(`job-${total - 1}`)).toHaveLength(1);
      expect(await scheduler.getRuns('job-10000')).toHaveLength(1);
      expect(await scheduler.getRuns('job-00100')).toHaveLength(1);
      expect(await scheduler.getRuns('job-00099')).toHaveLength(0);
      expect(await scheduler.getRuns('job-00000')).toHaveLength(0);
      expect(
        logger.lines.some(
          (line) =>
            line.level === 'warn' && line.message.includes('writing run records again; 100 were dropped'),
        ),
      ).toBe(true);
    } finally {
      await scheduler.shutdown();
    }
  }, 60_000);
});
