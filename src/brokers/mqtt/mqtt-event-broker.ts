import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.js';
import { redactUrl } from '../../stores/redact-url.js';
import { BaseEventBroker, type BrokerSession } from '../base-event-broker.js';
import { EventBrokerError } from '../broker-error.js';
import type { BrokerLink } from '../broker-link.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  channelOption,
  checkOptions,
  loadDriver,
  millisecondsOption,
  stringOption,
} from '../broker-options.js';
import { MqttSession, type MqttConnection } from './mqtt-session.js';

export interface MqttEventBrokerOptions {
  /** The MQTT server: `mqtt://host:1883`, `mqtts://` for TLS, `ws://`/`wss://`. Default `mqtt://localhost:1883`. */
  url?: string;
  username?: string;
  password?: string;
  /**
   * More mqtt.js client options (`IClientOptions`): `keepalive` (seconds), `protocolVersion`, TLS
   * material (`ca`, `cert`, `key`), ... The broker sets `clientId`, `clean`, `reconnectPeriod`,
   * `connectTimeout`, `queueQoSZero` and `resubscribe` itself: those given here are ignored.
   */
  clientOptions?: Record<string, unknown>;
  /**
   * The topic prefix every node of the cluster uses: messages go to `<channel>/messages`. Any topic
   * name without wildcards (`+`, `#`), not starting with `$`; `/` makes levels (`apps/billing`).
   * Default `'horae'`.
   */
  channel?: string;
  /** Milliseconds to connect and subscribe, at `start` and at each reconnection. Default 5000. */
  connectTimeout?: number;
  /** Milliseconds between reconnection attempts after an outage (mqtt.js's `reconnectPeriod`). Default 1000. */
  reconnectPeriod?: number;
}

const OWNER = 'MqttEventBroker';
const KNOWN = [
  'url',
  'username',
  'password',
  'clientOptions',
  'channel',
  'connectTimeout',
  'reconnectPeriod',
] as const;
const DEFAULT_URL = 'mqtt://localhost:1883';

type Connect = (url: string, options: Record<string, unknown>) => MqttConnection;

/**
 * An event broker on MQTT (Mosquitto, EMQX, HiveMQ, ...), through the `mqtt` package (an optional
 * peer dependency, loaded on the first `start`). Each node holds one connection with a clean
 * session and a client id made from its node id, subscribes to `<channel>/messages` and publishes
 * there, at QoS 0 (at most once, as the `EventBroker` contract has it).
 *
 * @example
 * import { MqttEventBroker } from 'horae/brokers/mqtt';
 * const scheduler = new Scheduler({ eventBroker: new MqttEventBroker({ url: 'mqtt://mosquitto:1883' }) });
 */
export class MqttEventBroker extends BaseEventBroker {
  private readonly url: string;
  private readonly credentials: { username?: string; password?: string };
  private readonly clientOptions: Record<string, unknown>;
  private readonly topic: string;
  private readonly connectTimeoutMs: number;
  private readonly reconnectPeriodMs: number;

  constructor(options?: MqttEventBrokerOptions) {
    const given = checkOptions(OWNER, options, KNOWN);
    const url = stringOption(OWNER, 'url', given.url) ?? DEFAULT_URL;
    const { clientOptions = {} } = given;
    if (clientOptions === null || typeof clientOptions !== 'object') {
      throw new InvalidArgumentError(`${OWNER} option clientOptions must be an object`, {
        field: 'clientOptions',
        value: clientOptions,
      });
    }
    super('mqtt', 'MQTT event broker', redactUrl(url));
    this.url = url;
    const username = stringOption(OWNER, 'username', given.username);
    const password = stringOption(OWNER, 'password', given.password);
    this.credentials = {
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    };
    this.clientOptions = clientOptions;
    this.topic = `${channelOption(OWNER, given.channel, channelProblem)}/messages`;
    this.connectTimeoutMs = millisecondsOption(
      OWNER,
      'connectTimeout',
      given.connectTimeout,
      DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.reconnectPeriodMs = millisecondsOption(OWNER, 'reconnectPeriod', given.reconnectPeriod, 1_000);
  }

  protected override async open(link: BrokerLink): Promise<BrokerSession> {
    const mqtt = await loadDriver('mqtt', OWNER, 'mqtt', () => import('mqtt'));
    const client = (mqtt.connect as unknown as Connect)(this.url, {
      ...this.clientOptions,
      ...this.credentials,
      clientId: clientIdOf(link.context.nodeId),
      clean: true,
      reconnectPeriod: this.reconnectPeriodMs,
      connectTimeout: this.connectTimeoutMs,
      // While disconnected a message is dropped (the contract), not queued for later.
      queueQoSZero: false,
      resubscribe: false,
    });
    const session = new MqttSession(link, client, this.topic, this.connectTimeoutMs);
    try {
      await session.open();
    } catch (cause) {
      await session.close();
      throw new EventBrokerError(
        'mqtt',
        `${this.name} cannot subscribe on ${this.server}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    return session;
  }
}

/**
 * `horae-<node id>-<8 hex digits>`: the node id (its characters outside `[A-Za-z0-9_.-]` made `_`,
 * cut to 40) says whose connection it is on the server; the random part keeps two brokers of one
 * node (or a restarted one) from taking each other's connection over.
 */
function clientIdOf(nodeId: string): string {
  const node = nodeId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  return `horae-${node}-${randomBytes(4).toString('hex')}`;
}

function channelProblem(channel: string): string | null {
  if (channel === '') return 'it must not be empty';
  if (/[+#]/.test(channel) || channel.includes('\u0000'))
    return 'an MQTT topic name has no wildcards (+, #) and no NUL character';
  if (channel.startsWith('$')) return 'MQTT topics starting with $ belong to the server';
  if (Buffer.byteLength(channel) > 60_000) return 'an MQTT topic has at most 65535 bytes';
  return null;
}
