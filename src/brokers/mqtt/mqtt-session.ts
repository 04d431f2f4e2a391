import { withTimeout } from '../../stores/no-reply.js';
import type { BrokerSession } from '../base-event-broker.js';
import type { BrokerLink } from '../broker-link.js';

/** The part of an mqtt.js `MqttClient` the broker uses. */
export interface MqttConnection {
  readonly connected: boolean;
  subscribe(topic: string, options: { qos: 0 }, callback: (error?: Error | null) => void): unknown;
  publish(topic: string, message: string, options: { qos: 0 }, callback: (error?: Error) => void): unknown;
  end(force: boolean, callback: () => void): unknown;
  on(event: 'connect' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'message', listener: (topic: string, payload: Uint8Array) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * One MQTT connection with a clean session, that both subscribes (QoS 0) and publishes. mqtt.js
 * reconnects by itself every `reconnectPeriod`; with a clean session the subscription is gone after
 * an outage, so the session subscribes again before it says it is back. A half-open connection is
 * caught by MQTT's own keepalive (the client's `keepalive`, 60 s by default).
 */
export class MqttSession implements BrokerSession {
  private restoring = false;
  private lastError: Error | undefined;

  constructor(
    private readonly link: BrokerLink,
    private readonly client: MqttConnection,
    private readonly topic: string,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Waits for the first connection and subscribes; rejects with the connection's error when that fails. */
  async open(): Promise<void> {
    const { client, topic } = this;
    client.on('error', (error) => (this.lastError = error));
    client.on('message', (from, payload) => {
      if (from === topic) this.link.receive(Buffer.from(payload).toString('utf8'));
    });
    await new Promise<void>((resolve, reject) => {
      const connected = () => {
        client.removeListener('close', failed);
        resolve();
      };
      const failed = () => {
        client.removeListener('connect', connected);
        reject(this.lastError ?? new Error('the server closed the connection'));
      };
      client.on('connect', connected);
      client.on('close', failed);
    });
    await withTimeout(this.subscribe(), this.connectTimeoutMs, 'SUBSCRIBE');
    client.on('close', () => {
      this.restoring = true;
      this.link.lost(this.lastError);
    });
    client.on('connect', () => {
      if (!this.restoring) return;
      this.subscribe().then(
        () => {
          this.restoring = false;
          this.lastError = undefined;
          this.link.restored();
        },
        (error: unknown) => this.link.debug(`could not subscribe again yet: ${(error as Error).message}`),
      );
    });
  }

  write(text: string): Promise<unknown> {
    return new Promise<void>((resolve, reject) =>
      this.client.publish(this.topic, text, { qos: 0 }, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Disconnects and stops reconnecting: politely when connected (bounded), at once otherwise. */
  async close(): Promise<void> {
    const { client } = this;
    const end = (force: boolean) => new Promise<void>((resolve) => client.end(force, resolve));
    if (!client.connected) return end(true);
    await withTimeout(end(false), this.connectTimeoutMs, 'DISCONNECT').catch(() => end(true));
  }

  private subscribe(): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.client.subscribe(this.topic, { qos: 0 }, (error) => (error ? reject(error) : resolve())),
    );
  }
}
