import type { Logger } from '../logger.js';

/**
 * What the nodes of a cluster tell each other through an `EventBroker`. JSON-safe plain data: a
 * broker sends it as JSON text and hands what arrives to `BrokerContext.receive` as parsed.
 *
 * - `wakeup`: something changed in store `jobStore` (a job was added, changed or resumed, or a run
 *   was handed over to wait for a worker); nodes check it now rather than at their next poll.
 *   `at` is the earliest time that matters (epoch ms), `null` when it is "now".
 * - `event`: a scheduler event of node `node`, in its wire form (`events/event-wire.ts`), for the
 *   listeners of the whole cluster.
 */
export type BrokerMessage =
  | { kind: 'wakeup'; node: string; jobStore: string; at: number | null }
  | { kind: 'event'; node: string; event: Record<string, unknown> };

/** What a scheduler hands its broker when it starts it. */
export interface BrokerContext {
  /** This node's id: messages it sent itself come back with it, and are passed over. */
  nodeId: string;
  logger: Logger;
  /**
   * Called with each message that arrives from any node, this one's own included (the scheduler
   * drops those). Never throws: the scheduler guards its own handling.
   */
  receive(message: BrokerMessage): void;
  /**
   * Called when the broker's connection comes back after an outage (not at the first connect):
   * messages sent meanwhile are lost, so the scheduler checks its stores at once.
   */
  reconnected(): void;
}

/**
 * A channel every node of a cluster publishes to and listens on, so that a change made on one node
 * wakes the others at once, and listeners can follow the events of every node. Horae ships three,
 * each in its own subpath with its driver as an optional peer dependency: PostgreSQL
 * `LISTEN/NOTIFY` (`horae/brokers/postgres`), Redis pub/sub (`horae/brokers/redis`) and MQTT
 * (`horae/brokers/mqtt`).
 *
 * The contract:
 * - Delivery is best effort and at most once: a message may be lost (an outage, a full buffer), never
 *   made up. Nothing in Horae depends on a message arriving: without a broker, or while it is down,
 *   nodes poll their stores (`maxSleep`, the heartbeat interval) and still run every job.
 * - `start` resolves once the broker listens, or rejects when it cannot reach its server at all;
 *   after that, a lost connection is never an error of the scheduler: the broker logs one warning
 *   (`context.logger.warn`), reconnects by itself with backoff, logs when it is back, and calls
 *   `context.reconnected()`.
 * - `publish` never throws and never waits: while the broker is down it drops the message (or keeps
 *   a small bounded buffer).
 * - Every node on one channel (the broker's `channel` option, default `'horae'`) hears every
 *   message, its own included.
 * - `shutdown` stops listening and closes what the broker opened (not a client passed in to it).
 */
export interface EventBroker {
  start(context: BrokerContext): Promise<void>;
  publish(message: BrokerMessage): void;
  shutdown(): Promise<void>;
}
