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
    return attach(this.outcomeListeners, listener, (all) => (this.reporter.observer = all));
  }

  /** Adds a claim listener; returns the function that removes it. */
  onClaim(listener: ClaimListener): () => void {
    return attach(this.claimListeners, listener, (all) => (this.claimed = all));
  }
}

/**
 * Adds `listener` to `listeners` and hands `install` the function the hot path calls: `null` for
 * none, the one listener as it is, or one function calling them all, so the caller checks one
 * field. Returns the function that removes the listener again.
 */
function attach<A extends unknown[]>(
  listeners: Set<(...args: A) => void>,
  listener: (...args: A) => void,
  install: (all: ((...args: A) => void) | null) => void,
): () => void {
  const update = () => {
    const current = [...listeners];
    install(
      current.length === 0
        ? null
        : current.length === 1
          ? (current[0] as (...args: A) => void)
          : (...args: A) => {
              for (const each of current) each(...args);
            },
    );
  };
  listeners.add(listener);
  update();
  return () => {
    listeners.delete(listener);
    update();
  };
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
