import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { JobStore, JobStoreContext } from '../../../src/stores/job-store.js';
import { RedisJobStore } from '../../../src/stores/redis/index.js';
import { createJobStoreFromUrl } from '../../../src/stores/registry.js';
import { SystemClock } from '../../../src/clock.js';
import { T0, collectingLogger, makeJob, makeRun } from '../../helpers/jobs.js';
import { serviceUrl } from '../../helpers/services.js';
import { deleteKeys, randomPrefix } from './redis-test-env.js';

const context = (): JobStoreContext => ({
  alias: 'default',
  clock: new SystemClock(),
  logger: collectingLogger(),
});

describe('Redis job store start-up failures', () => {
  it('fails fast with a JobStoreError when nothing listens (127.0.0.1:1)', async () => {
    const store = new RedisJobStore({ url: 'redis://:secret@127.0.0.1:1' });
    const started = Date.now();
    const error = await store.start(context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as JobStoreError).message).toMatch(/cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect((error as JobStoreError).message).not.toContain('secret');
    expect((error as JobStoreError).cause).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('makes the scheduler refuse to start, promptly', async () => {
    const scheduler = new Scheduler({
      jobStores: { default: 'redis://127.0.0.1:1' },
      logger: collectingLogger(),
    });
    const started = Date.now();
    await expect(scheduler.start()).rejects.toBeInstanceOf(JobStoreError);
    expect(scheduler.state).toBe('stopped');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  describe('with a server that accepts connections and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('gives up after connectTimeout', async () => {
      const { port } = server.address() as { port: number };
      const store = new RedisJobStore({ url: `redis://127.0.0.1:${port}`, connectTimeout: 300 });
      const started = Date.now();
      const error = await store.start(context()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobStoreError);
      expect(Date.now() - started).toBeLessThan(1500);
    });
  });
});

const url = serviceUrl('redis');

describe.skipIf(url === undefined)('Redis job store on a real Redis', () => {
  const redisUrl = url as string;
  const runPrefix = randomPrefix('store');
  let count = 0;
  const stores: JobStore[] = [];
  const newPrefix = () => `${runPrefix}${++count}:`;
  const open = async (options: ConstructorParameters<typeof RedisJobStore>[0] = {}) => {
    const store = new RedisJobStore({ url: redisUrl, prefix: newPrefix(), ...options });
    stores.push(store);
    await store.start(context());
    return store;
  };

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.shutdown()));
  });
  afterAll(async () => {
    await deleteKeys(redisUrl, runPrefix);
  });

  it('two stores on two connections claiming at once get disjoint jobs', async () => {
    const prefix = newPrefix();
    const first = await open({ prefix });
    const second = await open({ prefix });
    const total = 600;
    for (let i = 0; i < total; i++) await first.addJob(makeJob(`j${String(i).padStart(4, '0')}`, T0 - i));
    const claimed = new Map<string, string>();
    const claim = async (store: JobStore, schedulerId: string) => {
      for (;;) {
        const jobs = await store.acquireDueJobs(schedulerId, new Date(T0), 60_000, 7);
        if (jobs.length === 0) return;
        for (const job of jobs) {
          expect(claimed.get(job.id), `${job.id} claimed twice`).toBeUndefined();
          claimed.set(job.id, schedulerId);
        }
      }
    };
    // Four claimers per connection, all racing.
    await Promise.all([
      ...['a1', 'a2', 'a3', 'a4'].map((id) => claim(first, id)),
      ...['b1', 'b2', 'b3', 'b4'].map((id) => claim(second, id)),
    ]);
    expect(claimed.size).toBe(total);
    const viaSecond = [...claimed.values()].filter((id) => id.startsWith('b')).length;
    expect(viaSecond).toBeGreaterThan(0);
    expect(viaSecond).toBeLessThan(total);
  });

  it('keeps two applications with different prefixes apart', async () => {
    const billing = await open();
    const reports = await open();
    await billing.addJob(makeJob('same-id', T0));
    await reports.addJob(makeJob('same-id', T0 + 5));
    expect((await billing.getAllJobs()).map((job) => job.nextRunTime?.getTime())).toEqual([T0]);
    expect((await reports.acquireDueJobs('r', new Date(T0 + 5), 1000, 10)).map((job) => job.id)).toEqual([
      'same-id',
    ]);
    expect(await billing.getNextRunTime()).toEqual(new Date(T0));
  });

  it('refuses a prefix laid out by another schema version', async () => {
    const prefix = newPrefix();
    const raw = new Redis(redisUrl);
    await raw.set(`${prefix}version`, '2');
    await raw.quit();
    const error = await new RedisJobStore({ url: redisUrl, prefix })
      .start(context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toContain('schema version 2');
  });

  it('uses a client it is given and leaves it open', async () => {
    const client = new Redis(redisUrl);
    try {
      const store = new RedisJobStore({ client, prefix: newPrefix() });
      await store.start(context());
      await store.addJob(makeJob('mine', T0));
      await store.shutdown();
      expect(client.status).toBe('ready');
      expect(await client.hexists(`${store.prefix}jobs`, 'mine')).toBe(1);
    } finally {
      await client.quit();
    }
  });

  it('is made from redis:// URLs, with the prefix as a query parameter', async () => {
    const prefix = newPrefix();
    const store = await createJobStoreFromUrl(`${redisUrl}?prefix=${encodeURIComponent(prefix)}`);
    expect(store).toBeInstanceOf(RedisJobStore);
    expect((store as RedisJobStore).prefix).toBe(prefix);
    stores.push(store);
    await store.start(context());
    await store.addJob(makeJob('from-url', T0));
    expect((await store.lookupJob('from-url'))?.id).toBe('from-url');
    expect(await createJobStoreFromUrl('rediss://example.invalid:6380')).toBeInstanceOf(RedisJobStore);
  });

  it('bounds the run histories of jobs that no longer exist, oldest dropped first', async () => {
    const store = await open();
    await store.addJob(makeJob('alive', T0));
    await Promise.all([
      store.addRun(makeRun('alive', T0), 5),
      ...Array.from({ length: 1001 }, (_, i) => store.addRun(makeRun(`gone-${i}`, T0), 5)),
    ]);
    expect(await store.getRuns('gone-0', 5)).toEqual([]);
    expect(await store.getRuns('gone-1', 5)).toHaveLength(1);
    expect(await store.getRuns('gone-1000', 5)).toHaveLength(1);
    expect(await store.getRuns('alive', 5)).toHaveLength(1);
  });

  it('writes the run records it is given in one script call, without waiting to batch them', async () => {
    const client = new Redis(redisUrl);
    const commands: string[] = [];
    const counting = {
      call: (command: string, ...args: (string | number)[]) => {
        commands.push(command);
        return client.call(command, ...args);
      },
    };
    try {
      const store = new RedisJobStore({ client: counting, prefix: newPrefix() });
      stores.push(store);
      await store.start(context());
      commands.length = 0;
      const records = Array.from({ length: 300 }, (_, i) => makeRun(`j${i % 30}`, T0 + i));
      await store.addRuns(records, 5);
      expect(commands.filter((command) => command.startsWith('EVAL'))).toHaveLength(1);
      expect(await store.getRuns('j7', 10)).toHaveLength(5);
    } finally {
      await client.quit();
    }
  });

  it('reads run records written before they had a version, and skips one it cannot read', async () => {
    const store = await open();
    const logger = collectingLogger();
    await store.start({ ...context(), logger });
    await store.addRun(makeRun('j', T0 + 2000), 10);
    // As the Redis store wrote records up to Horae 0.1: no version, and the record's own fields.
    const legacy =
      '{"jobId":"j","scheduledRunTime":1767225600000,"startedMs":1767225600005,"finishedMs":1767225600025,' +
      '"outcome":"success","error":null,"returnValue":null,"schedulerId":"scheduler-a",' +
      '"startedAt":1767225600005,"finishedAt":1767225600025}';
    const raw = new Redis(redisUrl);
    const key = `${store.prefix}runs:j`;
    await raw.zadd(key, T0, `${String(T0 + 5).padStart(16, '0')}${'9'.repeat(16)}${legacy}`);
    await raw.zadd(key, T0 + 1000, `${'0'.repeat(32)}{"version":99}`);
    await raw.quit();
    expect(await store.getRuns('j', 10)).toEqual([makeRun('j', T0 + 2000), makeRun('j', T0)]);
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('runs jobs for a scheduler and keeps their history', async () => {
    const prefix = newPrefix();
    const scheduler = new Scheduler({
      jobStores: { default: new RedisJobStore({ url: redisUrl, prefix }) },
      logger: collectingLogger(),
    });
    const runs: number[] = [];
    await scheduler.registerTask('tick', (n: number) => runs.push(n));
    // The async executor reports a successful run only when someone listens for it (reported to the lead).
    scheduler.on('job_executed', () => undefined);
    await scheduler.start();
    try {
      await scheduler.addJob('tick', 'interval', { milliseconds: 100, args: [7], id: 'tick' });
      await expect.poll(() => runs.length, { timeout: 3000 }).toBeGreaterThanOrEqual(3);
      await expect.poll(async () => (await scheduler.getRuns('tick')).length).toBeGreaterThanOrEqual(3);
      const [latest] = await scheduler.getRuns('tick');
      expect(latest?.outcome).toBe('success');
      expect(latest?.returnValue).toBeTypeOf('number');
    } finally {
      await scheduler.shutdown();
    }
  });

  it('does not spin on an unreadable due job, and keeps it', async () => {
    const prefix = newPrefix();
    const logger = collectingLogger();
    const store = new RedisJobStore({ url: redisUrl, prefix });
    let acquires = 0;
    const counting = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'acquireDueJobs') acquires++;
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    // A short lease, so a bad document parked only for the lease would be claimed (and reported)
    // again several times in the second below.
    const scheduler = new Scheduler({
      jobStores: { default: counting },
      logger,
      leaseTime: 0.25,
      heartbeatInterval: 0.1,
    });
    await scheduler.registerTask('noop', () => undefined);
    await scheduler.start({ paused: true });
    try {
      await scheduler.addJob('noop', 'interval', { seconds: 60, id: 'bad', nextRunTime: new Date() });
      const raw = new Redis(redisUrl);
      await raw.hset(`${prefix}jobs`, 'bad', 'not json');
      await raw.quit();
      scheduler.resume();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // A look for due jobs after each heartbeat (10 in the second), and no loop besides.
      expect(acquires).toBeLessThan(20);
      expect(
        logger.lines.filter((line) => line.level === 'error' && line.message.includes('"bad"')),
      ).toHaveLength(1);
      const check = new Redis(redisUrl);
      expect(await check.hget(`${prefix}jobs`, 'bad')).toBe('not json');
      await check.quit();
    } finally {
      await scheduler.shutdown();
    }
  });
});
