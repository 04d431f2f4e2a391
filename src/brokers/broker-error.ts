import { HoraeError } from '../errors.js';

/** The three brokers Horae ships, as `EventBrokerError.broker` names them. */
export type BrokerKind = 'postgres' | 'redis' | 'mqtt';

/**
 * An event broker could not start: its driver is not installed, its server cannot be reached, or it
 * was started twice. `broker` says which one. Once a broker has started, nothing it does throws: a
 * lost connection is logged and repaired (see `EventBroker`).
 */
export class EventBrokerError extends HoraeError {
  readonly broker: BrokerKind;
  constructor(broker: BrokerKind, message: string, options: { cause?: unknown } = {}) {
    super('ERR_EVENT_BROKER', message, options);
    this.broker = broker;
  }
}
