/**
 * The one source of time for a scheduler. Everything that reads the time or waits goes through a
 * `Clock`, so tests can move time (see `FakeClock` in `horae/testing`) instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once, after roughly `delayMs` (never more than the platform's timer limit). */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Node's timers overflow above 2^31 - 1 ms (about 24.8 days) and then fire at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The wall clock of the process: `Date.now()` and unref'd Node timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const delay = Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS);
    return setTimeout(callback, delay);
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}
