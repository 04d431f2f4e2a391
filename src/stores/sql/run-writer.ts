import type { RunRecord } from '../job-store.js';

export interface PendingRun {
  record: RunRecord;
  retention: number;
  /** The record as stored, serialized when it was added. */
  text: string;
}

interface Waiting extends PendingRun {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Records per write; more wait for the next one. */
const MAX_BATCH = 1000;

/**
 * Writes run records in batches, one batch at a time. The scheduler records every run without
 * waiting; after a burst (a catch-up of a thousand runs, a thousand jobs due at once) one record per
 * query would queue thousands of queries ahead of the next claim of due jobs. Here the records that
 * arrive while a batch is written form the next batch, so the number of queries follows the load
 * instead of the number of runs.
 */
export class RunWriter {
  private queue: Waiting[] = [];
  private writing: Promise<void> | null = null;

  constructor(private readonly write: (batch: PendingRun[]) => Promise<void>) {}

  /** Queues a record; resolves once its batch is written, rejects with the batch's error. */
  add(run: PendingRun): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...run, resolve, reject });
      this.writing ??= this.drain().finally(() => (this.writing = null));
    });
  }

  /** Resolves when every queued record has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private async drain(): Promise<void> {
    // Let the records of this turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.write(batch);
        for (const run of batch) run.resolve();
      } catch (error) {
        for (const run of batch) run.reject(error);
      }
    }
  }
}
