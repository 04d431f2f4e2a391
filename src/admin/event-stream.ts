import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { EVENT_ALL, EVENT_NAMES, type SchedulerEventUnion } from '../events/events.js';
import type { Scheduler } from '../scheduler/scheduler.js';

/** A scheduler event as the admin API streams it: JSON-safe, without return values or args. */
export interface EventView {
  type: string;
  code: number;
  at: string;
  jobId?: string;
  jobStore?: string;
  alias?: string;
  scheduledRunTime?: string;
  scheduledRunTimes?: string[];
  error?: { name: string; message: string };
  timedOut?: boolean;
  /** The node the event happened on (`nodeId`). */
  node?: string;
  /** `job_interrupted`: the node that stopped heartbeating during the run. */
  interruptedNode?: string;
  /** `job_interrupted`: the run was put back to run once more (`requestsRecovery`). */
  recovered?: boolean;
  /** A manual run's event (`Scheduler.runJob`). */
  manual?: boolean;
}

const NAMES = new Map<number, string>(Object.entries(EVENT_NAMES).map(([name, code]) => [code, name]));

/** How often an idle stream sends a comment, so proxies do not close it. */
const KEEPALIVE_MS = 15_000;

export function eventView(event: SchedulerEventUnion): EventView {
  const view: EventView = {
    type: NAMES.get(event.code) ?? String(event.code),
    code: event.code,
    at: new Date().toISOString(),
  };
  const fields = event as Partial<Record<string, unknown>>;
  if (typeof fields.jobId === 'string') view.jobId = fields.jobId;
  if (typeof fields.jobStore === 'string') view.jobStore = fields.jobStore;
  if (typeof fields.alias === 'string') view.alias = fields.alias;
  if (fields.scheduledRunTime instanceof Date) view.scheduledRunTime = fields.scheduledRunTime.toISOString();
  if (Array.isArray(fields.scheduledRunTimes)) {
    view.scheduledRunTimes = (fields.scheduledRunTimes as Date[]).map((time) => time.toISOString());
  }
  if ('exception' in fields) {
    const exception = fields.exception;
    view.error =
      exception instanceof Error
        ? { name: exception.name, message: exception.message }
        : { name: typeof exception, message: String(exception) };
  }
  if (typeof fields.timedOut === 'boolean') view.timedOut = fields.timedOut;
  if (typeof fields.nodeId === 'string') view.node = fields.nodeId;
  if (typeof fields.interruptedNode === 'string') view.interruptedNode = fields.interruptedNode;
  if (typeof fields.recovered === 'boolean') view.recovered = fields.recovered;
  if (fields.manual === true) view.manual = true;
  return view;
}

/**
 * The scheduler's events fanned out to every open event stream. It listens to the scheduler only
 * while a stream is open, and `close()` ends every stream (for a server shutting down). It listens
 * as a cluster listener: with an event broker, the events other nodes publish (`clusterEvents`)
 * arrive too, each with its node.
 */
export class EventHub {
  private readonly streams = new Set<(event: EventView | null) => void>();
  private readonly listener = (event: SchedulerEventUnion) => {
    const view = eventView(event);
    for (const send of this.streams) send(view);
  };

  constructor(private readonly scheduler: Scheduler) {}

  /**
   * An SSE response: an `event: ready` message, then each scheduler event as an unnamed message
   * whose data is its JSON view (`type` names the event), so `EventSource.onmessage` sees them all.
   */
  respond(c: Context): Response {
    return streamSSE(c, async (stream) => {
      let queue = Promise.resolve();
      let ended: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (ended = resolve));
      const send = (event: EventView | null) => {
        if (event === null) return ended();
        queue = queue.then(() => stream.writeSSE({ data: JSON.stringify(event) })).catch(() => ended());
      };
      this.add(send);
      const keepalive = setInterval(() => {
        queue = queue
          .then(() => stream.write(': keepalive\n\n'))
          .then(
            () => undefined,
            () => ended(),
          );
      }, KEEPALIVE_MS);
      stream.onAbort(() => ended());
      try {
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ state: this.scheduler.state }) });
        await done;
      } finally {
        clearInterval(keepalive);
        this.remove(send);
      }
    });
  }

  /** Ends every open stream. */
  close(): void {
    for (const send of [...this.streams]) send(null);
  }

  private add(send: (event: EventView | null) => void): void {
    if (this.streams.size === 0) this.scheduler.addListener(this.listener, EVENT_ALL, { cluster: true });
    this.streams.add(send);
  }

  private remove(send: (event: EventView | null) => void): void {
    this.streams.delete(send);
    if (this.streams.size === 0) this.scheduler.removeListener(this.listener);
  }
}
