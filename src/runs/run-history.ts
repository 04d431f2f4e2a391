import { SerializationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { JobStore, RunRecord } from '../stores/job-store.js';

/** Run records kept per store while it cannot take them; past this the oldest are dropped. */
export const MAX_KEPT_RUNS = 10_000;

/** What the run history reads from its scheduler, per write (so `configure` applies). */
export interface RunHistoryHost {
  /** The store by this alias, or `undefined` when it was removed (its records are then dropped). */
  store(alias: string): JobStore | undefined;
  logger(): Logger;
  /** Records kept per job; passed to the store with each write. */
  retention(): number;
  /** This node's id: the holder of the runs it ends (`JobStore.finishRuns`). */
  nodeId(): string;
}

/**
 * The one batching layer of run records: the records of the runs that end together (in one microtask
 * checkpoint for a store in this process, one turn of the event loop for a database) go to each
 * store in one `addRuns` call; the stores write what they are given. Records
 * a store fails to take are kept, up to `MAX_KEPT_RUNS` per store, and written once it works again,
 * so a database outage loses no history unless it outlasts the cap.
 */
export class RunHistory {
  /** Records not yet handed to their stores, by store alias (see `keep`). */
  private pending = new Map<string, RunRecord[]>();
  /** Ids of stored runs that ended and are not yet ended in their stores, by store alias (see `end`). */
  private pendingEnded = new Map<string, string[]>();
  /** Ended runs a store failed to take, by store alias, ended with the kept records when it is back. */
  private readonly keptEnded = new Map<string, string[]>();
  private flushScheduled = false;
  /** Writes in progress. */
  private readonly writes = new Set<Promise<void>>();
  /** Records a store failed to take, by store alias, kept until it works again. */
  private readonly kept = new Map<string, RunRecord[]>();
  /** How many kept records were dropped over the cap, by store alias, since its last good write. */
  private readonly dropped = new Map<string, number>();

  constructor(private readonly host: RunHistoryHost) {}

  /** Queues a record for store `jobStore`, written with the others that end about the same time. */
  keep(jobStore: string, record: RunRecord): void {
    let records = this.pending.get(jobStore);
    if (records === undefined) {
      records = [];
      this.pending.set(jobStore, records);
    }
    records.push(record);
    this.scheduleFlush(jobStore);
  }

  /**
   * Ends a stored run (`ActiveRun`) of store `jobStore` whose last run time is done: written with
   * the records of the same turn, in one `finishRuns` call.
   */
  end(jobStore: string, runId: string): void {
    let ended = this.pendingEnded.get(jobStore);
    if (ended === undefined) {
      ended = [];
      this.pendingEnded.set(jobStore, ended);
    }
    ended.push(runId);
    this.scheduleFlush(jobStore);
  }

  private scheduleFlush(jobStore: string): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // A store in this process takes the records of the runs that ended in the same microtask
    // checkpoint; a database gets those of a whole turn of the event loop in one write, as async
    // jobs end on many checkpoints of one turn.
    if (this.host.store(jobStore)?.persistent === true) setImmediate(this.flushLater);
    else queueMicrotask(this.flushLater);
  }

  private readonly flushLater = (): void => {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    this.writePending(false);
  };

  /** Writes the records not yet written and those kept from an outage; resolves when every write so far has ended. */
  flush(): Promise<void> {
    this.flushScheduled = false;
    this.writePending(true);
    return this.writes.size === 0 ? Promise.resolve() : Promise.all(this.writes).then(() => undefined);
  }

  /** A store works again (the processor just read from it): write what was kept for it. */
  storeWorking(alias: string): void {
    if (this.kept.has(alias) || this.keptEnded.has(alias)) this.writeKeptAnd(alias, [], []);
  }

  /**
   * Hands each store its new records. A store whose last write failed is not tried on every run
   * that ends (each try would wait out its timeout during an outage): its records join the kept
   * ones, written when the store works again, or at an explicit `flush`.
   */
  private writePending(withKept: boolean): void {
    const pending = this.pending;
    const pendingEnded = this.pendingEnded;
    if (
      pending.size === 0 &&
      pendingEnded.size === 0 &&
      (!withKept || (this.kept.size === 0 && this.keptEnded.size === 0))
    )
      return;
    this.pending = new Map();
    this.pendingEnded = new Map();
    const aliases = new Set([...pending.keys(), ...pendingEnded.keys()]);
    if (withKept) for (const alias of [...this.kept.keys(), ...this.keptEnded.keys()]) aliases.add(alias);
    for (const alias of aliases) {
      const records = pending.get(alias) ?? [];
      const ended = pendingEnded.get(alias) ?? [];
      if (!withKept && (this.kept.has(alias) || this.keptEnded.has(alias)))
        this.keepUnwritten(alias, records, ended);
      else this.writeKeptAnd(alias, records, ended);
    }
  }

  /** Writes what was kept for a store, then `records` and `ended`; a store no longer there drops them. */
  private writeKeptAnd(alias: string, records: RunRecord[], ended: string[]): void {
    const kept = this.kept.get(alias);
    const keptEnded = this.keptEnded.get(alias);
    this.kept.delete(alias);
    this.keptEnded.delete(alias);
    const store = this.host.store(alias);
    const all = kept === undefined ? records : kept.concat(records);
    const allEnded = keptEnded === undefined ? ended : keptEnded.concat(ended);
    if (store !== undefined && (all.length > 0 || allEnded.length > 0))
      this.write(alias, store, all, allEnded);
  }

  private write(alias: string, store: JobStore, records: RunRecord[], ended: string[]): void {
    const retention = this.host.retention();
    let written: Promise<unknown>;
    try {
      written =
        ended.length > 0
          ? store.finishRuns(this.host.nodeId(), ended, records, retention)
          : store.addRuns !== undefined
            ? store.addRuns(records, retention)
            : Promise.all(records.map((record) => store.addRun(record, retention)));
    } catch (error) {
      written = Promise.reject(error);
    }
    const write = written.then(
      () => this.written(alias),
      (error: unknown) => {
        const logger = this.host.logger();
        const runs =
          records.length === 1
            ? `a run of job ${records[0]?.jobId}`
            : `${Math.max(records.length, ended.length)} runs`;
        // A record the store cannot take (a value it cannot serialize) would fail again.
        if (error instanceof SerializationError) {
          logger.error(`Could not record ${runs} in job store "${alias}"`, error);
          return;
        }
        const first = !this.kept.has(alias) && !this.keptEnded.has(alias);
        this.keepUnwritten(alias, records, ended);
        const message = `Could not record ${runs} in job store "${alias}"; kept to write when it works again`;
        if (first) logger.error(message, error);
        else logger.debug(message, error);
      },
    );
    this.writes.add(write);
    void write.then(() => this.writes.delete(write));
  }

  /**
   * Keeps records a store could not take, oldest first, up to `MAX_KEPT_RUNS` per store: past that
   * the oldest are dropped (memory stays bounded however long the outage), with one warning when
   * it starts and a count when the store works again.
   */
  private keepUnwritten(alias: string, records: RunRecord[], ended: string[]): void {
    if (ended.length > 0) {
      // Not capped: an id is small, and an ended run left in the store would look interrupted.
      const earlierEnded = this.keptEnded.get(alias);
      if (earlierEnded === undefined) this.keptEnded.set(alias, ended);
      else for (const id of ended) earlierEnded.push(id);
    }
    if (records.length === 0 && !this.kept.has(alias)) return;
    const earlier = this.kept.get(alias);
    let kept = records;
    if (earlier !== undefined) {
      // In place: during a long outage this runs for every batch of runs that end.
      for (const record of records) earlier.push(record);
      kept = earlier;
    }
    const excess = kept.length - MAX_KEPT_RUNS;
    if (excess > 0) {
      kept.splice(0, excess);
      const dropped = this.dropped.get(alias) ?? 0;
      this.dropped.set(alias, dropped + excess);
      if (dropped === 0) {
        this.host
          .logger()
          .warn(
            `Job store "${alias}" has ${MAX_KEPT_RUNS} run records waiting to be written; the oldest are dropped from now on`,
          );
      }
    }
    this.kept.set(alias, kept);
  }

  private written(alias: string): void {
    const dropped = this.dropped.get(alias);
    if (dropped === undefined) return;
    this.dropped.delete(alias);
    this.host
      .logger()
      .warn(`Job store "${alias}" is writing run records again; ${dropped} were dropped meanwhile`);
  }
}
