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

/** A zero delay: the next turn of the event loop rather than `setTimeout`'s 1 ms minimum. */
class NextTurn {
  constructor(readonly immediate: ReturnType<typeof setImmediate>) {}
}

/** The wall clock of the process: `Date.now()` and Node timers (`setImmediate` for a zero delay). */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    if (!(delayMs > 0)) return new NextTurn(setImmediate(callback));
    return setTimeout(callback, Math.min(delayMs, MAX_TIMER_DELAY_MS));
  }

  clearTimer(handle: TimerHandle): void {
    if (handle instanceof NextTurn) clearImmediate(handle.immediate);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}
