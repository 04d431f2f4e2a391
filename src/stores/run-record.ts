import type { RunRecord } from './job-store.js';

/**
 * A run record with its start and end times as epoch ms (`NaN` for none), made into `Date`s only
 * when read: the memory store keeps the numbers (`startedMs`, `finishedMs`), so a run that nobody
 * listens to allocates no `Date` for its record. Each read of `startedAt` returns a new `Date`.
 */
export class TimedRunRecord implements RunRecord {
  constructor(
    readonly jobId: string,
    readonly scheduledRunTime: Date,
    readonly startedMs: number,
    readonly finishedMs: number,
    readonly outcome: RunRecord['outcome'],
    readonly error: RunRecord['error'],
    readonly returnValue: unknown,
    readonly schedulerId: string,
  ) {}

  get startedAt(): Date | null {
    return Number.isNaN(this.startedMs) ? null : new Date(this.startedMs);
  }

  get finishedAt(): Date | null {
    return Number.isNaN(this.finishedMs) ? null : new Date(this.finishedMs);
  }
}
