import type { BrokerContext } from '../events/event-broker.js';
import { decodeMessage, preview } from './broker-message.js';

/** Most messages a broker may have on their way to its server at once; more are dropped. */
const MAX_IN_FLIGHT = 100;

/**
 * What a started broker shares with its connections: the outage state, the log lines and the
 * context calls the `EventBroker` contract asks for, kept the same for every broker.
 *
 * - `lost` logs one warning per outage (then a debug line for each reconnection that fails);
 *   `restored` then logs one info line and calls `context.reconnected()`.
 * - `receive` hands a valid message to the scheduler and drops anything else with a debug line.
 * - `send` writes a message unless the connection is down or too many are on their way, and never
 *   throws.
 * - Once `close` is called, nothing more is logged, received or sent.
 */
export class BrokerLink {
  private down = false;
  private closed = false;
  private inFlight = 0;

  constructor(
    readonly context: BrokerContext,
    /** The broker in log lines: `'PostgreSQL event broker'`. */
    readonly name: string,
    /** Its server in log lines, without a password. */
    readonly server: string,
  ) {}

  /** Whether messages may be sent: started, not closed and not in an outage. */
  get up(): boolean {
    return !this.closed && !this.down;
  }

  /** The connection is gone, or an attempt to reconnect failed; the broker goes on reconnecting. */
  lost(reason?: unknown): void {
    if (this.closed) return;
    const why = reason instanceof Error ? `: ${reason.message}` : '';
    if (this.down) {
      this.debug(`still cannot reach ${this.server}${why}`);
      return;
    }
    this.down = true;
    this.context.logger.warn(
      `${this.name} lost its connection to ${this.server}${why}; it reconnects by itself, ` +
        `and the scheduler polls its stores meanwhile`,
    );
  }

  /** The connection is back and listening again. */
  restored(): void {
    if (this.closed || !this.down) return;
    this.down = false;
    this.context.logger.info(`${this.name} is connected to ${this.server} again`);
    try {
      this.context.reconnected();
    } catch (error) {
      this.context.logger.error(`${this.name}: the scheduler failed to handle the reconnection`, error);
    }
  }

  receive(text: string): void {
    if (this.closed) return;
    const message = decodeMessage(text);
    if (message === null) {
      this.debug(`dropped what is not a Horae message: ${preview(text)}`);
      return;
    }
    try {
      this.context.receive(message);
    } catch (error) {
      // The contract says it never throws; if it did, the driver's event handler would crash the process.
      this.context.logger.error(`${this.name}: the scheduler failed to handle a message`, error);
    }
  }

  /** Writes `text` through `write` unless it must be dropped; a failed write is logged at debug. */
  send(text: string, write: (text: string) => Promise<unknown>): void {
    if (!this.up || this.inFlight >= MAX_IN_FLIGHT) {
      const why = this.up ? `${MAX_IN_FLIGHT} messages are on their way` : 'it is not connected';
      this.debug(`dropped a message because ${why}`);
      return;
    }
    this.inFlight += 1;
    Promise.resolve()
      .then(() => write(text))
      .catch((error: unknown) =>
        this.debug(`could not send a message: ${(error as Error)?.message ?? error}`),
      )
      .finally(() => (this.inFlight -= 1));
  }

  debug(message: string): void {
    if (!this.closed) this.context.logger.debug(`${this.name} ${message}`);
  }

  close(): void {
    this.closed = true;
  }
}
