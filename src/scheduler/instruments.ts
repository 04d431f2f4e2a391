// What `horae/metrics` and `horae/tracing` attach to a scheduler: hooks the run loop and the run
// queues read at the few places they report from, each `null` (or empty) until something attaches.
// Not on the public `Scheduler`: those modules reach it through `instrumentsOf`.
import type { RunOutcome } from '../runs/outcome.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { RunReporter } from '../runs/run-reporter.js';
import type { RunTracer } from '../runs/run-tracer.js';

/** Called with the number of due jobs one claim (`acquireDueJobs`) of store `jobStore` returned. */
export type ClaimListener = (jobStore: string, count: number) => void;

/** Called with each run's outcome as it is reported; reads it at once (it is not kept). */
export type OutcomeListener = (outcome: RunOutcome) => void;

/** The observability hooks of one scheduler. */
export class Instruments {
  /** Traces runs, and keeps the trace context of jobs as they are added; `null` when off. */
  tracer: RunTracer | null = null;
  /** Told of each claim that returned jobs (`horae/metrics`' claim batch size); `null` when none. */
  claimed: ClaimListener | null = null;
  private readonly claimListeners = new Set<ClaimListener>();
  private readonly outcomeListeners = new Set<OutcomeListener>();

  constructor(
    /** The run queue of each executor, by alias: their load is read at scrape time. */
    readonly queues: ReadonlyMap<string, RunQueue>,
    /** Reports every outcome; its `observer` is set while outcome listeners are attached. */
    private readonly reporter: RunReporter,
  ) {}

  /**
   * Adds a listener of run outcomes (every run that ended, missed runs included), called straight
   * from the reporter: no event object is made for it. Returns the function that removes it.
   */
  onOutcome(listener: OutcomeListener): () => void {
    this.outcomeListeners.add(listener);
    this.updateObserver();
    return () => {
      this.outcomeListeners.delete(listener);
      this.updateObserver();
    };
  }

  private updateObserver(): void {
    const listeners = [...this.outcomeListeners];
    this.reporter.observer =
      listeners.length === 0
        ? null
        : listeners.length === 1
          ? (listeners[0] as OutcomeListener)
          : (outcome) => {
              for (const listener of listeners) listener(outcome);
            };
  }

  /** Adds a claim listener; returns the function that removes it. */
  onClaim(listener: ClaimListener): () => void {
    this.claimListeners.add(listener);
    this.updateClaimed();
    return () => {
      this.claimListeners.delete(listener);
      this.updateClaimed();
    };
  }

  /** One listener is called as it is; several through one function, so the run loop checks one field. */
  private updateClaimed(): void {
    const listeners = [...this.claimListeners];
    this.claimed =
      listeners.length === 0
        ? null
        : listeners.length === 1
          ? (listeners[0] as ClaimListener)
          : (jobStore, count) => {
              for (const listener of listeners) listener(jobStore, count);
            };
  }
}

const instruments = new WeakMap<object, Instruments>();

/** Registers a scheduler's instruments (its constructor does). */
export function registerInstruments(scheduler: object, value: Instruments): void {
  instruments.set(scheduler, value);
}

/** The instruments of `scheduler`, or undefined when it is not a Horae scheduler. */
export function instrumentsOf(scheduler: object): Instruments | undefined {
  return instruments.get(scheduler);
}
