/**
 * The contract every trigger meets. A trigger is pure: given the previous fire time and the current
 * time it says when the job fires next, and it holds no state that changes between calls, so one
 * trigger may be shared, serialized and evaluated in any process.
 */
export interface Trigger {
  /** The alias this trigger is registered under (`'date'`, `'interval'`, `'cron'`, ...). */
  readonly type: string;

  /**
   * Seconds of random delay added to each fire time, or `null`. Triggers return unjittered times;
   * the scheduler adds the jitter to each run separately, so it never accumulates.
   */
  readonly jitter: number | null;

  /**
   * The earliest fire time strictly after `previousFireTime`; or, when `previousFireTime` is null,
   * the earliest one at or after `now`. Never before the trigger's start date, never after its end
   * date. Returns `null` once the trigger will not fire again. Must not hang: an expression that
   * cannot match returns `null` (or throws `InvalidTriggerError`) after a bounded search. The
   * arguments are read-only (the scheduler passes the same `now` to every job it plans in the same
   * millisecond), and the `Date` returned must be a new one the trigger does not keep.
   */
  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null;

  /** A plain JSON object with `type` and `version`, which `triggerFromJSON` turns back into an equal trigger. */
  toJSON(): TriggerJSON;

  /** A short readable description, such as `interval[0:00:03]` or `cron[minute='*\/5']`. */
  toString(): string;
}

/** The serialized form of a trigger: `type` picks the factory, `version` the layout of the rest. */
export interface TriggerJSON {
  type: string;
  version: number;
  [key: string]: unknown;
}
