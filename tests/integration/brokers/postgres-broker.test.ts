// PostgresEventBroker against a real PostgreSQL (HORAE_POSTGRES_URL): the shared broker suite, then
// what is PostgreSQL's own: the payload limit, NOTIFY through a pool passed in, the channel rules.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresEventBroker } from '../../../src/brokers/postgres/index.js';
import { MAX_PAYLOAD_BYTES, TRIMMED } from '../../../src/brokers/postgres/postgres-payload.js';
import type { BrokerMessage } from '../../../src/events/event-broker.js';
import { serviceUrl } from '../../helpers/services.js';
import { linesOf, received, runBrokerSuite, testNode, uniqueChannel, wakeup } from './broker.suite.js';

const url = serviceUrl('postgres');
let raw: pg.Pool | undefined;

runBrokerSuite({
  name: 'PostgreSQL',
  url,
  module: 'postgres',
  make: ({ url: brokerUrl, channel, quick }) =>
    new PostgresEventBroker({
      url: brokerUrl,
      channel,
      connectTimeout: 2_000,
      ...(quick ? { pingInterval: 500 } : {}),
    }),
  sendRaw: async (channel, text) => {
    raw ??= new pg.Pool({ connectionString: url, max: 1 });
    await raw.query('SELECT pg_notify($1, $2)', [channel, text]);
  },
  dispose: async () => {
    await raw?.end();
    raw = undefined;
  },
});

describe.skipIf(url === undefined)('PostgreSQL event broker, its own rules', () => {
  const pools: pg.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  async function pair(options: { pool?: pg.Pool } = {}) {
    const channel = uniqueChannel();
    const a = testNode(new PostgresEventBroker({ url, channel, ...options }), 'node-a');
    const b = testNode(new PostgresEventBroker({ url, channel }), 'node-b');
    await a.broker.start(a.context);
    await b.broker.start(b.context);
    return { a, b, stop: () => Promise.all([a.broker.shutdown(), b.broker.shutdown()]) };
  }

  it('sends an event too large for a payload without its stacks, then its largest fields', async () => {
    const { a, b, stop } = await pair();
    try {
      const stack = `Error: boom\n${'    at somewhere (file.js:1:1)\n'.repeat(400)}`;
      const big: BrokerMessage = {
        kind: 'event',
        node: 'node-a',
        event: { code: 8192, jobId: 'big', exception: { $error: { name: 'Error', message: 'boom', stack } } },
      };
      a.broker.publish(big);
      const withoutStack: BrokerMessage = {
        kind: 'event',
        node: 'node-a',
        event: { code: 8192, jobId: 'big', exception: { $error: { name: 'Error', message: 'boom' } } },
      };
      await received(b, withoutStack, 'the event without its stack');

      const huge: BrokerMessage = {
        kind: 'event',
        node: 'node-a',
        event: { code: 4096, jobId: 'huge', retval: 'x'.repeat(20_000), note: 'ü'.repeat(5_000) },
      };
      a.broker.publish(huge);
      const trimmed = {
        kind: 'event',
        node: 'node-a',
        event: { code: 4096, jobId: 'huge', retval: TRIMMED, note: TRIMMED },
      };
      await received(b, trimmed as BrokerMessage, 'the event without its largest fields');
      expect(linesOf(a, 'debug', 'without note, retval')).toBe(1);
    } finally {
      await stop();
    }
  });

  it('drops a message that cannot fit at all, with a debug line, and goes on', async () => {
    const { a, b, stop } = await pair();
    try {
      const fields = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`field${i}`, i]));
      a.broker.publish({ kind: 'event', node: 'node-a', event: { code: 4096, ...fields } });
      a.broker.publish(wakeup('node-a', 'x'.repeat(MAX_PAYLOAD_BYTES)));
      const next = wakeup('node-a', 'next');
      a.broker.publish(next);
      await received(b, next);
      expect(b.received).toEqual([next]);
      expect(linesOf(a, 'debug', 'larger than a NOTIFY payload')).toBe(2);
    } finally {
      await stop();
    }
  });

  it('sends through a pool passed in, listens on a connection of its own, and leaves the pool open', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(pool);
    const { a, b, stop } = await pair({ pool });
    try {
      // With the pool's one connection held by LISTEN, this query would wait forever.
      await expect(pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
      const message = wakeup('node-a');
      a.broker.publish(message);
      await received(b, message);
      await received(a, message);
    } finally {
      await stop();
    }
    expect(pool.totalCount).toBe(1);
    await expect(pool.query('SELECT 2 AS two')).resolves.toMatchObject({ rows: [{ two: 2 }] });
  });

  it('makes its connections with a client factory', async () => {
    let made = 0;
    const channel = uniqueChannel();
    const client = () => {
      made += 1;
      return new pg.Client({ connectionString: url });
    };
    const a = testNode(new PostgresEventBroker({ client, channel }), 'node-a');
    await a.broker.start(a.context);
    try {
      const message = wakeup('node-a');
      a.broker.publish(message);
      await received(a, message);
      expect(made).toBe(2);
    } finally {
      await a.broker.shutdown();
    }
  });
});
