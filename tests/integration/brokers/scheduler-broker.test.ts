// Two schedulers on one Redis store, each with its own RedisEventBroker on one channel: a job added
// by a client node wakes the other node at once (its poll interval and heartbeat are 30 s), and a
// cluster listener gets the other node's events with its node id. The cross-process versions, with
// every broker and a SIGKILL, are in tests/integration/cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { RedisEventBroker } from '../../../src/brokers/redis/index.js';
import {
  EVENT_JOB_ADDED,
  EVENT_JOB_EXECUTED,
  Scheduler,
  silentLogger,
  type SchedulerEventUnion,
} from '../../../src/index.js';
import { RedisJobStore } from '../../../src/stores/redis/index.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { deleteKeys, randomPrefix } from '../redis/redis-test-env.js';
import { uniqueChannel } from './broker.suite.js';

const url = serviceUrl('redis');
const schedulers: Scheduler[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const scheduler of schedulers.splice(0)) {
    if (scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
  }
  for (const prefix of prefixes.splice(0)) await deleteKeys(url as string, prefix);
});

describe.skipIf(url === undefined)('schedulers with an event broker (Redis)', () => {
  /** A node on the shared store and channel; polling and heartbeats far apart, so only the broker can be quick. */
  const node = (nodeId: string, prefix: string, channel: string, options: Record<string, unknown> = {}) => {
    const scheduler = new Scheduler({
      nodeId,
      logger: silentLogger,
      jobStores: { default: new RedisJobStore({ url: url as string, prefix }) },
      eventBroker: new RedisEventBroker({ url: url as string, channel }),
      maxSleep: 30,
      leaseTime: 90,
      heartbeatInterval: 30,
      ...options,
    });
    schedulers.push(scheduler);
    return scheduler;
  };

  it('wakes a node at once when a client adds a job, and carries its events to cluster listeners', async () => {
    const prefix = randomPrefix('broker');
    prefixes.push(prefix);
    const channel = uniqueChannel();
    const ran: number[] = [];
    const worker = node('worker', prefix, channel, { clusterEvents: EVENT_JOB_EXECUTED });
    await worker.registerTask('note', () => {
      ran.push(Date.now());
      return 'noted';
    });
    const client = node('client', prefix, channel, { role: 'client' });
    const heard: SchedulerEventUnion[] = [];
    client.addListener((event) => heard.push(event), EVENT_JOB_EXECUTED | EVENT_JOB_ADDED, { cluster: true });
    await worker.start();
    await client.start();

    const due = Date.now() + 100;
    await client.addJob('note', 'date', { runDate: new Date(due), id: 'soon' });
    await waitUntil(() => ran.length === 1, 'the worker to run the job', 10_000);
    // Far sooner than the worker's next poll (30 s) or heartbeat (30 s): the broker woke it.
    expect((ran[0] as number) - due).toBeLessThan(5_000);

    await waitUntil(() => heard.some((event) => event.code === EVENT_JOB_EXECUTED), "the worker's event");
    const executed = heard.find((event) => event.code === EVENT_JOB_EXECUTED);
    expect(executed).toMatchObject({ nodeId: 'worker', jobId: 'soon', retval: 'noted' });
    expect((executed as { scheduledRunTime: unknown }).scheduledRunTime).toBeInstanceOf(Date);
    // The client's own event, stamped with its own id.
    expect(heard.find((event) => event.code === EVENT_JOB_ADDED)).toMatchObject({
      nodeId: 'client',
      jobId: 'soon',
    });
  });

  it('hands a client runJob to a worker through the store and the broker', async () => {
    const prefix = randomPrefix('broker');
    prefixes.push(prefix);
    const channel = uniqueChannel();
    const ran: string[] = [];
    const worker = node('worker', prefix, channel, { role: 'worker' });
    await worker.registerTask('note', () => void ran.push('ran'));
    const client = node('client', prefix, channel, { role: 'client' });
    await worker.start();
    await client.start();
    await client.addJob('note', 'interval', { hours: 1, id: 'hourly' });
    const asked = Date.now();
    await client.runJob('hourly');
    await waitUntil(() => ran.length === 1, 'the worker to run the manual run', 10_000);
    expect(Date.now() - asked).toBeLessThan(5_000);
    await waitUntil(async () => (await client.getRuns('hourly')).length === 1, 'its record');
    expect((await client.getRuns('hourly'))[0]).toMatchObject({
      manual: true,
      schedulerId: 'worker',
      outcome: 'success',
    });
  });
});
