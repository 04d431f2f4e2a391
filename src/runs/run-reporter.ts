import { EVENT_JOB_RETRY, type SchedulerEventUnion } from '../events/events.js';
import type { ListenerRegistry } from '../events/listeners.js';
import { outcomeCode, outcomeEvent, outcomeRecord, describeStack, type RunOutcome } from './outcome.js';
import type { RunHistory } from './run-history.js';

/** What the reporter reads from its scheduler: settings per report, so `configure` applies. */
export interface RunReporterHost {
  readonly listeners: ListenerRegistry;
  readonly history: RunHistory;
  schedulerId(): string;
  /** Run records kept per job; 0 = no run history. */
  retention(): number;
  emit(event: SchedulerEventUnion): void;
}

/**
 * The one reporting path of runs: every outcome, wherever it was found, becomes its run record (when
 * the history is on) and its event (when a listener wants it) here, and nowhere else. Building
 * nothing nobody reads matters at 100,000 runs a second.
 */
export class RunReporter {
  /**
   * Told of every outcome as it is reported (`horae/metrics`, through `Instruments.onOutcome`);
   * `null` when nothing observes. Reads the outcome at once, as `report` does.
   */
  observer: ((outcome: RunOutcome) => void) | null = null;

  constructor(private readonly host: RunReporterHost) {}

  /** Records and announces how a run ended. `outcome` is read at once, not kept. */
  report(outcome: RunOutcome): void {
    const { host } = this;
    if (host.retention() > 0) host.history.keep(outcome.jobStore, outcomeRecord(outcome, host.schedulerId()));
    if (host.listeners.wants(outcomeCode(outcome.status))) host.emit(outcomeEvent(outcome));
    if (this.observer !== null) this.observer(outcome);
  }

  /**
   * Announces a failed attempt that will be tried again after `delay` seconds: an event only (the
   * run's record is its final outcome).
   */
  retry(
    outcome: Pick<RunOutcome, 'job' | 'jobStore' | 'scheduledRunTime'>,
    attempt: number,
    error: unknown,
    timedOut: boolean,
    delay: number,
    startedMs: number,
    finishedMs: number,
  ): void {
    if (!this.host.listeners.wants(EVENT_JOB_RETRY)) return;
    const { job, jobStore, scheduledRunTime } = outcome;
    this.host.emit({
      code: EVENT_JOB_RETRY,
      jobId: job.id,
      jobStore,
      scheduledRunTime,
      attempt,
      maxAttempts: job.retry?.attempts ?? attempt,
      exception: error,
      traceback: describeStack(error),
      timedOut,
      delay,
      startedAt: new Date(startedMs),
      finishedAt: new Date(finishedMs),
    });
  }
}
