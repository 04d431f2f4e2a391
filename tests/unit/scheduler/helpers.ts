import { afterEach } from 'vitest';
import {
  Scheduler,
  silentLogger,
  type SchedulerEventUnion,
  type SchedulerOptions,
} from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { T0 } from '../../helpers/time.js';

export { T0 };

/** A scheduler on a fake clock at T0 in UTC, with every event it emits collected. */
export function makeScheduler(options: SchedulerOptions = {}) {
  const clock = new FakeClock(T0);
  const scheduler = new Scheduler({ clock, logger: silentLogger, timezone: 'UTC', ...options });
  const events: SchedulerEventUnion[] = [];
  scheduler.addListener((event) => events.push(event));
  return { clock, scheduler, events };
}

/**
 * `makeScheduler` for the tests of one file: call it at the top level of the file; each scheduler
 * it makes, or is given with `track`, is shut down after its test.
 */
export function useSchedulers(): typeof makeScheduler & { track(scheduler: Scheduler): void } {
  let running: Scheduler | undefined;
  afterEach(async () => {
    if (running !== undefined && running.state !== 'stopped') await running.shutdown({ wait: false });
    running = undefined;
  });
  const setup = (options?: SchedulerOptions) => {
    const made = makeScheduler(options);
    running = made.scheduler;
    return made;
  };
  return Object.assign(setup, {
    track(scheduler: Scheduler) {
      running = scheduler;
    },
  });
}

export function codes(events: SchedulerEventUnion[]): number[] {
  return events.map((event) => event.code);
}

export function at(offsetMs: number): Date {
  return new Date(T0 + offsetMs);
}

/** What `promise` rejects with, or `'resolved'`: for checking an error's class and fields at once. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}
