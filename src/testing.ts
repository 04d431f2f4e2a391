import type { Clock, TimerHandle } from './clock.js';

interface FakeTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock that only moves when told to, for tests: `await clock.advance(5000)` fires every timer
 * due in those 5 seconds, in order, letting the promises each one starts settle in between.
 *
 * @example
 * const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
 * const scheduler = new Scheduler({ clock });
 */
export class FakeClock implements Clock {
  private current: number;
  private timers = new Set<FakeTimer>();
  private seq = 0;

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: FakeTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as FakeTimer);
  }

  /** Number of timers waiting. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  /** Moves time to `target`, firing due timers in order. */
  async advanceTo(target: Date | number): Promise<void> {
    const end = typeof target === 'number' ? target : target.getTime();
    await settle();
    for (;;) {
      let next: FakeTimer | undefined;
      for (const timer of this.timers) {
        if (
          timer.at <= end &&
          (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        ) {
          next = timer;
        }
      }
      if (next === undefined) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.at);
      next.callback();
      await settle();
    }
    this.current = Math.max(this.current, end);
    await settle();
  }

  /** Sets the time without firing timers: a wall-clock jump, as when a machine wakes from sleep. */
  jump(to: Date | number): void {
    this.current = typeof to === 'number' ? to : to.getTime();
  }
}

/** Lets queued microtasks and immediate callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
