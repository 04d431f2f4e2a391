// The brokers' options, checked when a broker is made (no server needed): a channel each server
// can carry, no unknown or mistyped option, and the error a missing driver gives.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EventBrokerError } from '../../../src/brokers/broker-error.js';
import { loadDriver } from '../../../src/brokers/broker-options.js';
import { MqttEventBroker } from '../../../src/brokers/mqtt/index.js';
import { PostgresEventBroker } from '../../../src/brokers/postgres/index.js';
import { RedisEventBroker } from '../../../src/brokers/redis/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';

const makers = {
  PostgreSQL: (options: Record<string, unknown>) => new PostgresEventBroker(options),
  Redis: (options: Record<string, unknown>) => new RedisEventBroker(options),
  MQTT: (options: Record<string, unknown>) => new MqttEventBroker(options),
};

/** Expects `attempt` to throw an `InvalidArgumentError` naming `field`. */
function refused(attempt: () => unknown, field: string): void {
  expect(attempt).toThrow(InvalidArgumentError);
  expect(attempt).toThrow(expect.objectContaining({ field }));
}

describe('every broker', () => {
  it.each(Object.entries(makers))('%s takes no options at all, or {}', (_name, make) => {
    expect(() => make({})).not.toThrow();
  });

  it.each(Object.entries(makers))('%s refuses an unknown option, suggesting the one meant', (_name, make) => {
    refused(() => make({ chanel: 'x' }), 'chanel');
    expect(() => make({ chanel: 'x' })).toThrow(/did you mean "channel"/);
  });

  it.each(Object.entries(makers))('%s refuses a channel that is not a string, or empty', (_name, make) => {
    refused(() => make({ channel: 42 }), 'channel');
    refused(() => make({ channel: '' }), 'channel');
  });

  it.each(Object.entries(makers))(
    '%s refuses a connectTimeout that is not a positive number',
    (_name, make) => {
      refused(() => make({ connectTimeout: 0 }), 'connectTimeout');
      refused(() => make({ connectTimeout: '5s' }), 'connectTimeout');
    },
  );

  it('a driver that is not installed fails start with an EventBrokerError saying what to install', async () => {
    const missing = 'horae-no-such-driver';
    const error = await loadDriver('redis', 'RedisEventBroker', missing, () => import(missing)).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(EventBrokerError);
    expect(error).toMatchObject({ code: 'ERR_EVENT_BROKER', broker: 'redis' });
    expect((error as Error).message).toBe(
      `RedisEventBroker needs the "${missing}" package: npm install ${missing}`,
    );
  });
});

describe('PostgreSQL event broker options', () => {
  it.each(['horae-jobs', '1st', 'a b', 'x'.repeat(64), 'drop"table', 'ünïcode'])(
    'refuses the channel %j, which is not an identifier',
    (channel) => refused(() => new PostgresEventBroker({ channel }), 'channel'),
  );

  it('takes a channel of 63 characters, and mixed case', () => {
    expect(() => new PostgresEventBroker({ channel: 'x'.repeat(63) })).not.toThrow();
    expect(() => new PostgresEventBroker({ channel: 'Billing_Jobs' })).not.toThrow();
  });

  it('takes a url or a client factory, not both', () => {
    refused(
      () => new PostgresEventBroker({ url: 'postgres://x@localhost/db', client: () => new pg.Client() }),
      'client',
    );
  });

  it('refuses a client that is not a factory and a pool without query()', () => {
    refused(() => new PostgresEventBroker({ client: new pg.Client() as never }), 'client');
    refused(() => new PostgresEventBroker({ pool: {} as never }), 'pool');
  });
});

describe('Redis event broker options', () => {
  it('takes a url or a client, not both, and a client must be an ioredis client', () => {
    const client = { publish: async () => 0, duplicate: () => null };
    refused(() => new RedisEventBroker({ url: 'redis://localhost', client }), 'client');
    refused(() => new RedisEventBroker({ client: {} as never }), 'client');
  });

  it('takes any non-empty channel', () => {
    expect(() => new RedisEventBroker({ channel: 'app:{jobs}:events *' })).not.toThrow();
  });
});

describe('MQTT event broker options', () => {
  it.each(['jobs/#', 'a/+/b', '$SYS/horae', 'nul\u0000'])(
    'refuses the channel %j, which is no topic name',
    (channel) => refused(() => new MqttEventBroker({ channel }), 'channel'),
  );

  it('refuses clientOptions that are not an object, and a password that is not a string', () => {
    refused(() => new MqttEventBroker({ clientOptions: 'keepalive=5' as never }), 'clientOptions');
    refused(() => new MqttEventBroker({ password: 1234 as never }), 'password');
  });
});
