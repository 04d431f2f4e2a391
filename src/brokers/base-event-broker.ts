import type { BrokerContext, BrokerMessage, EventBroker } from '../events/event-broker.js';
import { EventBrokerError, type BrokerKind } from './broker-error.js';
import { BrokerLink } from './broker-link.js';

/** The connections one `start` of a broker opened, listening and ready to send. */
export interface BrokerSession {
  /** Sends one message's text. May reject; never called while the link is down or closed. */
  write(text: string): Promise<unknown>;
  /** Stops listening, stops any reconnection, and closes what the session opened. */
  close(): Promise<void>;
}

/**
 * The `EventBroker` lifecycle the three brokers share: `start` opens a session through `open`
 * (which rejects, with everything it opened closed again, when the server cannot be reached),
 * `publish` sends through it, `shutdown` closes it (once; later calls do nothing) and the broker
 * may be started again. A broker is started by one scheduler at a time.
 */
export abstract class BaseEventBroker implements EventBroker {
  private opening: Promise<{ link: BrokerLink; session: BrokerSession }> | null = null;
  private current: { link: BrokerLink; session: BrokerSession } | null = null;

  protected constructor(
    private readonly kind: BrokerKind,
    /** The broker in messages: `'PostgreSQL event broker'`. */
    protected readonly name: string,
    /** Its server in messages, without a password. */
    protected readonly server: string,
  ) {}

  /** Connects, listens, and resolves once listening; rejects when the server cannot be reached. */
  protected abstract open(link: BrokerLink): Promise<BrokerSession>;

  /** The text sent for `message`, or `null` to drop it (the override says why at debug level). */
  protected encode(message: BrokerMessage, _link: BrokerLink): string | null {
    return JSON.stringify(message);
  }

  async start(context: BrokerContext): Promise<void> {
    if (this.opening !== null) {
      throw new EventBrokerError(this.kind, `${this.name} is already started`);
    }
    const link = new BrokerLink(context, this.name, this.server);
    const opening = this.open(link).then((session) => ({ link, session }));
    this.opening = opening;
    try {
      const opened = await opening;
      if (this.opening === opening) this.current = opened;
    } catch (error) {
      if (this.opening === opening) this.opening = null;
      throw error;
    }
  }

  publish(message: BrokerMessage): void {
    const current = this.current;
    if (current === null) return;
    const { link, session } = current;
    let text: string | null;
    try {
      text = this.encode(message, link);
    } catch (error) {
      link.debug(`dropped a message it cannot encode: ${(error as Error).message}`);
      return;
    }
    if (text !== null) link.send(text, (payload) => session.write(payload));
  }

  async shutdown(): Promise<void> {
    const opening = this.opening;
    this.opening = null;
    this.current = null;
    // A shutdown during `start` waits for it, then closes what it opened.
    const opened = await opening?.catch(() => null);
    if (opened === null || opened === undefined) return;
    opened.link.close();
    await opened.session.close();
  }
}
