import { InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { EVENT_NAMES, type EventListener, type EventName, type SchedulerEventUnion } from './events.js';

/** The code of an event name (`scheduler.on`); `InvalidArgumentError` for a name there is no event of. */
export function eventCodeOf(name: EventName): number {
  const code = EVENT_NAMES[name] as number | undefined;
  if (code === undefined) {
    throw new InvalidArgumentError(
      `Unknown event name ${JSON.stringify(name)}; valid names are: ${Object.keys(EVENT_NAMES).join(', ')}`,
      { field: 'name', value: name },
    );
  }
  return code;
}

/**
 * The listeners of one scheduler, each with its mask. `wants(code)` lets hot paths skip building an
 * event nobody listens to (100,000 runs a second must not allocate 100,000 unused objects).
 */
export class ListenerRegistry {
  private listeners: { callback: EventListener; mask: number }[] = [];
  private combinedMask = 0;

  constructor(private readonly logger: () => Logger) {}

  add(callback: EventListener, mask: number): void {
    this.listeners.push({ callback, mask });
    this.combinedMask |= mask;
  }

  remove(callback: EventListener): boolean {
    const index = this.listeners.findIndex((entry) => entry.callback === callback);
    if (index < 0) return false;
    this.listeners.splice(index, 1);
    this.combinedMask = this.listeners.reduce((mask, entry) => mask | entry.mask, 0);
    return true;
  }

  wants(code: number): boolean {
    return (this.combinedMask & code) !== 0;
  }

  /** Calls each matching listener; a listener that throws is logged and does not stop the others. */
  dispatch(event: SchedulerEventUnion): void {
    if ((this.combinedMask & event.code) === 0) return;
    for (const { callback, mask } of [...this.listeners]) {
      if ((mask & event.code) === 0) continue;
      try {
        callback(event);
      } catch (error) {
        this.logger().error(`Error notifying listener of event ${event.code}`, error);
      }
    }
  }
}
