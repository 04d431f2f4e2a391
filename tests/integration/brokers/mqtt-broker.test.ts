// MqttEventBroker against a real MQTT server (HORAE_MQTT_URL, Mosquitto here): the shared broker
// suite, then its topic.
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { MqttEventBroker } from '../../../src/brokers/mqtt/index.js';
import { serviceUrl } from '../../helpers/services.js';
import { received, runBrokerSuite, testNode, uniqueChannel, wakeup } from './broker.suite.js';

const url = serviceUrl('mqtt');
let raw: mqtt.MqttClient | undefined;

runBrokerSuite({
  name: 'MQTT',
  url,
  module: 'mqtt',
  make: ({ url: brokerUrl, channel, quick }) =>
    new MqttEventBroker({
      url: brokerUrl,
      channel,
      connectTimeout: 2_000,
      ...(quick ? { clientOptions: { keepalive: 1 } } : {}),
    }),
  sendRaw: async (channel, text) => {
    raw ??= await mqtt.connectAsync(url as string, { reconnectPeriod: 0 });
    await raw.publishAsync(`${channel}/messages`, text, { qos: 0 });
  },
  dispose: async () => {
    await raw?.endAsync();
    raw = undefined;
  },
});

describe.skipIf(url === undefined)('MQTT event broker topics', () => {
  it('keeps to <channel>/messages under a channel with levels', async () => {
    const channel = `${uniqueChannel()}/cluster-1`;
    const a = testNode(new MqttEventBroker({ url, channel }), 'node-a');
    const other = testNode(new MqttEventBroker({ url, channel: `${channel}/messages` }), 'node-b');
    try {
      await a.broker.start(a.context);
      await other.broker.start(other.context);
      const message = wakeup('node-a');
      a.broker.publish(message);
      await received(a, message);
      const marker = wakeup('node-b');
      other.broker.publish(marker);
      await received(other, marker);
      expect(a.received).toEqual([message]);
      expect(other.received).toEqual([marker]);
    } finally {
      await Promise.all([a.broker.shutdown(), other.broker.shutdown()]);
    }
  });
});
