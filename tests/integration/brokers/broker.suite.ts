// The behaviour every event broker owes the scheduler (src/events/event-broker.ts), run against a
// real server for each broker: two nodes on one channel hear each other and themselves, another
// channel hears nothing, garbage is dropped, a broker shut down hears nothing more and lets its
// process end, a server that cannot be reached fails `start`, and an outage (the connection cut,
// or gone silent, through a TCP proxy) is logged once, drops messages and heals by itself.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventBrokerError } from '../../../src/brokers/broker-error.js';
import type { BrokerContext, BrokerMessage, EventBroker } from '../../../src/events/event-broker.js';
import { collectingLogger } from '../../helpers/jobs.js';
import { TcpProxy, blackHole } from '../../helpers/proxy.js';
import { waitUntil } from '../../helpers/wait.js';

export interface BrokerTarget {
  /** As test names show it: `'PostgreSQL'`. */
  name: string;
  /** The server, from the environment; the suite is skipped without it. */
  url: string | undefined;
  /** The subpath folder of the broker, `src/brokers/<module>`, for the child-process fixture. */
  module: 'postgres' | 'redis' | 'mqtt';
  /**
   * A broker on `channel` to the server at `url` (the real one, or a proxy), with a connect timeout
   * of a second or two. `quick`: it also notices a silent (half-open) connection within a second or two.
   */
  make(options: { url: string; channel: string; quick?: boolean }): EventBroker;
  /** Puts `text` on `channel` straight through the driver, as another program on the channel would. */
  sendRaw(channel: string, text: string): Promise<void>;
  /** Closes what `sendRaw` opened. */
  dispose(): Promise<void>;
}

/** One node of the cluster under test: its broker and what reached it. */
export interface TestNode {
  broker: EventBroker;
  nodeId: string;
  received: BrokerMessage[];
  logger: ReturnType<typeof collectingLogger>;
  reconnects: number;
  context: BrokerContext;
}

/** A channel no other run uses; mixed case, so that a broker that changes its case fails. */
export function uniqueChannel(): string {
  return `Horae_Test_${randomBytes(5).toString('hex')}`;
}

/** `url` with its host made `127.0.0.1:<port>`. */
export function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.href;
}

/** A context recording what the broker hands over, for `broker` as node `nodeId`. */
export function testNode(broker: EventBroker, nodeId: string): TestNode {
  const node: TestNode = {
    broker,
    nodeId,
    received: [],
    logger: collectingLogger(),
    reconnects: 0,
    context: undefined as unknown as BrokerContext,
  };
  node.context = {
    nodeId,
    logger: node.logger,
    receive: (message) => node.received.push(message),
    reconnected: () => (node.reconnects += 1),
  };
  return node;
}

export function wakeup(node: string, jobStore = 'default'): BrokerMessage {
  return { kind: 'wakeup', node, jobStore, at: null };
}

/** An event in its wire form, with text beyond ASCII (which PostgreSQL's payload escapes). */
export function event(node: string, jobId: string): BrokerMessage {
  return {
    kind: 'event',
    node,
    event: {
      code: 4096,
      jobId,
      jobStore: 'default',
      scheduledRunTime: { $date: 1_700_000_000_000 },
      note: 'été ✓ 🕒',
    },
  };
}

export function linesOf(node: TestNode, level: 'debug' | 'info' | 'warn' | 'error', text: string): number {
  return node.logger.lines.filter((line) => line.level === level && line.message.includes(text)).length;
}

/** Waits until `node` has received `message`. */
export async function received(node: TestNode, message: BrokerMessage, what = 'a message'): Promise<void> {
  await waitUntil(
    () => node.received.some((got) => JSON.stringify(got) === JSON.stringify(message)),
    () => `${what} to reach node ${node.nodeId} (it has ${JSON.stringify(node.received)})`,
  );
}

const FIXTURE = join(import.meta.dirname, 'fixtures', 'broker-process.mts');

/**
 * Runs the fixture process (`mode` as it describes it) and resolves once it has printed `stopped`
 * and exited by itself with code 0; fails naming what it printed when it does not within 15 s.
 */
async function runFixture(target: BrokerTarget, mode: 'plain' | 'outage'): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      BROKER_MODULE: target.module,
      BROKER_URL: target.url,
      BROKER_CHANNEL: uniqueChannel(),
      BROKER_MODE: mode,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exit: number | null | undefined;
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => (output += `${line}\n`));
  child.on('exit', (code) => (exit = code));
  try {
    await waitUntil(
      () => exit !== undefined,
      () => `the fixture to exit by itself after "stopped" (output so far: ${JSON.stringify(output)})`,
    );
  } finally {
    if (exit === undefined) child.kill('SIGKILL');
  }
  expect(output).toContain('stopped');
  expect(exit, output).toBe(0);
}

export function runBrokerSuite(target: BrokerTarget): void {
  describe.skipIf(target.url === undefined)(`${target.name} event broker`, () => {
    const url = target.url as string;
    const started: EventBroker[] = [];
    const proxies: TcpProxy[] = [];

    async function startNode(nodeId: string, channel: string, brokerUrl = url, quick = false) {
      const node = testNode(target.make({ url: brokerUrl, channel, quick }), nodeId);
      await node.broker.start(node.context);
      started.push(node.broker);
      return node;
    }

    async function proxied(): Promise<{ proxy: TcpProxy; url: string }> {
      const real = new URL(url);
      const proxy = new TcpProxy(real.hostname, Number(real.port));
      proxies.push(proxy);
      return { proxy, url: withPort(url, await proxy.open()) };
    }

    afterEach(async () => {
      await Promise.all(started.splice(0).map((broker) => broker.shutdown()));
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    });
    afterAll(() => target.dispose());

    it('two nodes on one channel each hear the other and themselves', async () => {
      const channel = uniqueChannel();
      const a = await startNode('node-a', channel);
      const b = await startNode('node-b', channel);
      const fromA = wakeup('node-a');
      const fromB = event('node-b', 'job-1');
      a.broker.publish(fromA);
      b.broker.publish(fromB);
      for (const node of [a, b]) {
        await received(node, fromA);
        await received(node, fromB);
      }
      expect(a.received).toHaveLength(2);
      expect(b.received).toHaveLength(2);
      expect(a.logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
    });

    it('a node on another channel hears nothing of it, nor they of it', async () => {
      const channel = uniqueChannel();
      const a = await startNode('node-a', channel);
      const b = await startNode('node-b', channel);
      const c = await startNode('node-c', uniqueChannel());
      const first = wakeup('node-a');
      a.broker.publish(first);
      await received(b, first);
      const marker = wakeup('node-c', 'elsewhere');
      c.broker.publish(marker);
      await received(c, marker);
      // Sent after the marker arrived: when it reaches a and b, the marker would have too.
      const second = event('node-a', 'job-2');
      a.broker.publish(second);
      await received(a, second);
      await received(b, second);
      expect(c.received).toEqual([marker]);
      expect(a.received).toEqual([first, second]);
      expect(b.received).toEqual([first, second]);
    });

    it('drops what is not a Horae message with a debug line, and delivers what is', async () => {
      const channel = uniqueChannel();
      const a = await startNode('node-a', channel);
      const garbage = [
        'not json',
        '[1, 2]',
        '"text"',
        '{"kind":"wakeup"}',
        '{"kind":"wakeup","node":"x","jobStore":"s","at":"soon"}',
        '{"kind":"event","node":"x","event":[1]}',
        '{"kind":"reboot","node":"x"}',
      ];
      for (const text of garbage) await target.sendRaw(channel, text);
      const valid = { ...wakeup('other-program'), extra: 'dropped field' };
      await target.sendRaw(channel, JSON.stringify(valid));
      await received(a, wakeup('other-program'), 'the valid message, without its unknown field');
      expect(a.received).toEqual([wakeup('other-program')]);
      expect(linesOf(a, 'debug', 'not a Horae message')).toBe(garbage.length);
      expect(linesOf(a, 'debug', 'not json')).toBe(1);
    });

    it('after shutdown hears nothing more, and may shut down twice and start again', async () => {
      const channel = uniqueChannel();
      const a = await startNode('node-a', channel);
      const b = await startNode('node-b', channel);
      await a.broker.shutdown();
      await a.broker.shutdown();
      a.broker.publish(wakeup('node-a', 'after-shutdown'));
      const whileStopped = wakeup('node-b', 'while-a-is-stopped');
      b.broker.publish(whileStopped);
      await received(b, whileStopped);
      expect(a.received).toEqual([]);
      expect(b.received).toEqual([whileStopped]);

      await a.broker.start(a.context);
      const again = wakeup('node-b', 'after-restart');
      b.broker.publish(again);
      await received(a, again);
      expect(a.received).toEqual([again]);
    });

    it('refuses to start twice at once', async () => {
      const a = await startNode('node-a', uniqueChannel());
      await expect(a.broker.start(a.context)).rejects.toThrow(EventBrokerError);
    });

    it('publishes nothing and throws nothing before start', () => {
      const broker = target.make({ url, channel: uniqueChannel() });
      expect(() => broker.publish(wakeup('nobody'))).not.toThrow();
    });

    it('lets its process exit by itself once shut down', async () => {
      await runFixture(target, 'plain');
    }, 30_000);

    it('lets its process exit by itself once shut down during an outage (no reconnection left)', async () => {
      await runFixture(target, 'outage');
    }, 30_000);

    it('rejects start at once with an EventBrokerError when nothing listens on the port', async () => {
      const closed = new URL(withPort(url, 1));
      closed.username = closed.username || 'horae';
      closed.password = 's3cret';
      const node = testNode(target.make({ url: closed.href, channel: uniqueChannel() }), 'node-a');
      const begin = Date.now();
      const error = await node.broker.start(node.context).then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(EventBrokerError);
      expect((error as EventBrokerError).broker).toBe(target.module);
      expect((error as Error).message).toContain('127.0.0.1:1');
      expect((error as Error).message).not.toContain('s3cret');
      expect(Date.now() - begin).toBeLessThan(5_000);
      // Nothing was left running: a later shutdown is a no-op, and a start is a new attempt.
      await node.broker.shutdown();
      await expect(node.broker.start(node.context)).rejects.toThrow(EventBrokerError);
    });

    it('rejects start after its connect timeout when the server never answers', async () => {
      const hole = await blackHole();
      try {
        const node = testNode(
          target.make({ url: withPort(url, hole.port), channel: uniqueChannel() }),
          'node-a',
        );
        const begin = Date.now();
        await expect(node.broker.start(node.context)).rejects.toThrow(EventBrokerError);
        expect(Date.now() - begin).toBeLessThan(10_000);
      } finally {
        await hole.close();
      }
    }, 20_000);

    it('logs one warning when cut off, drops messages meanwhile, and comes back by itself', async () => {
      const channel = uniqueChannel();
      const { proxy, url: cutUrl } = await proxied();
      const a = await startNode('node-a', channel, cutUrl);
      const b = await startNode('node-b', channel);
      const before = wakeup('node-b', 'before');
      b.broker.publish(before);
      await received(a, before);

      await proxy.close();
      await waitUntil(() => linesOf(a, 'warn', 'lost its connection') === 1, 'the warning of the outage');
      await waitUntil(() => linesOf(a, 'debug', 'still cannot reach') >= 2, 'two failed reconnections');
      const lost = wakeup('node-a', 'sent-while-down');
      expect(() => a.broker.publish(lost)).not.toThrow();
      const missed = wakeup('node-b', 'missed');
      b.broker.publish(missed);
      await received(b, missed);
      expect(a.reconnects).toBe(0);

      await proxy.open();
      await waitUntil(() => a.reconnects === 1, 'reconnected() after the outage');
      expect(linesOf(a, 'info', 'connected to')).toBe(1);
      const after = wakeup('node-b', 'after');
      b.broker.publish(after);
      await received(a, after);
      const fromA = wakeup('node-a', 'after');
      a.broker.publish(fromA);
      await received(b, fromA);
      await received(a, fromA);
      expect(a.received).toEqual([before, after, fromA]);
      // Dropped while down, not kept: it would have reached b before `fromA`.
      expect(b.received).not.toContainEqual(lost);
      expect(linesOf(a, 'warn', 'lost its connection')).toBe(1);
      expect(a.logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    }, 30_000);

    it('notices a connection gone silent (half-open), and comes back by itself', async () => {
      const channel = uniqueChannel();
      const { proxy, url: silentUrl } = await proxied();
      const a = await startNode('node-a', channel, silentUrl, true);
      const b = await startNode('node-b', channel);
      const before = wakeup('node-b', 'before');
      b.broker.publish(before);
      await received(a, before);

      proxy.blackhole();
      await waitUntil(
        () => linesOf(a, 'warn', 'lost its connection') >= 1,
        'the warning of the silent connection',
      );
      proxy.forward();
      await waitUntil(() => a.reconnects >= 1, 'reconnected() after the silence');
      const after = wakeup('node-b', 'after');
      b.broker.publish(after);
      await received(a, after);
    }, 30_000);
  });
}
