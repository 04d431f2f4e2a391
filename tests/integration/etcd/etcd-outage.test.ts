// etcd going away while a scheduler runs on it: through a TCP proxy that is cut and restored on
// the same port, as faults.test.ts does for the SQL stores. The scheduler logs the failure, keeps
// retrying, and once etcd is back runs every job again by itself; no job is lost.
import { afterAll, describe, expect, it } from 'vitest';
import { currentJob } from '../../../src/index.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { EtcdJobStore } from '../../../src/stores/etcd/index.js';
import { dropPrefix, etcdPrefix, etcdUrl } from '../../helpers/etcd.js';
import { collectingLogger } from '../../helpers/jobs.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { parseEtcdUrl } from '../../../src/stores/etcd/etcd-connection.js';

const url = serviceUrl('etcd');

describe.skipIf(url === undefined)('etcd going down while the scheduler runs', () => {
  const server = url as string;
  const prefix = etcdPrefix(server, 'outage');
  afterAll(() => dropPrefix(server, prefix));

  it('logs, retries, and runs every job again when etcd is back', async () => {
    const [host, port] = (parseEtcdUrl(server).hosts[0] as string).split(':') as [string, string];
    const proxy = new TcpProxy(host, Number(port));
    const proxyPort = await proxy.open();
    const store = new EtcdJobStore({
      url: etcdUrl(server, prefix, proxyPort),
      connectTimeout: 1000,
      commandTimeout: 1000,
    });
    const logger = collectingLogger();
    const scheduler = new Scheduler({
      jobStores: { default: store },
      logger,
      leaseTime: 2,
      heartbeatInterval: 0.5,
      maxSleep: 0.5,
    });
    const runs: { id: string; at: number; scheduled: number }[] = [];
    await scheduler.registerTask('tick', () => {
      const job = currentJob();
      runs.push({
        id: job?.jobId as string,
        at: Date.now(),
        scheduled: job?.scheduledRunTime.getTime() ?? NaN,
      });
    });
    const ids = ['a', 'b', 'c'];
    for (const id of ids)
      await scheduler.addJob('tick', 'interval', { id, seconds: 0.3, misfireGraceTime: null });
    const ranSince = (since: number) =>
      ids.every((id) => runs.some((run) => run.id === id && run.at > since));
    await scheduler.start();
    try {
      await waitUntil(() => ranSince(0), 'every job to run once');

      await proxy.close();
      await waitUntil(
        () =>
          logger.lines.some((line) => line.level === 'error' && line.message.includes('Job store "default"')),
        'the scheduler to log that the store fails',
        10_000,
      );

      await proxy.open();
      const back = Date.now();
      await waitUntil(() => ranSince(back), 'every job to run again once etcd is back', 30_000, 50);
      await waitUntil(
        () => logger.lines.some((line) => line.level === 'warn' && line.message.includes('is working again')),
        'the scheduler to log that the store works again',
      );
      // No scheduled run was started twice, before, during or after the outage.
      const slots = runs.map((run) => `${run.id}@${run.scheduled}`);
      expect(new Set(slots).size).toBe(slots.length);
      const jobs = await scheduler.getJobs();
      expect(jobs.map((job) => job.id).sort()).toEqual(ids);
    } finally {
      await scheduler.shutdown();
      await proxy.close();
    }
  }, 60_000);

  it('fails a request on a connection gone silent after commandTimeout, and recovers on a new one', async () => {
    const [host, port] = (parseEtcdUrl(server).hosts[0] as string).split(':') as [string, string];
    const proxy = new TcpProxy(host, Number(port));
    const proxyPort = await proxy.open();
    const store = new EtcdJobStore({
      url: etcdUrl(server, `${prefix}silent`, proxyPort),
      connectTimeout: 1000,
      commandTimeout: 1000,
    });
    const logger = collectingLogger();
    const scheduler = new Scheduler({
      jobStores: { default: store },
      logger,
      leaseTime: 2,
      heartbeatInterval: 0.5,
      maxSleep: 0.5,
    });
    const runs: number[] = [];
    await scheduler.registerTask('tick', () => void runs.push(Date.now()));
    await scheduler.addJob('tick', 'interval', { id: 'tick', seconds: 0.3, misfireGraceTime: null });
    await scheduler.start();
    try {
      await waitUntil(() => runs.length > 0, 'the job to run once');
      // Half-open: nothing is refused or reset, the replies just stop coming.
      proxy.blackhole();
      const silent = Date.now();
      await waitUntil(
        () =>
          logger.lines.some((line) => line.level === 'error' && line.message.includes('Job store "default"')),
        () =>
          `a request to fail after commandTimeout; log: ${JSON.stringify(logger.lines.map((l) => [l.level, l.message]))}`,
        10_000,
      );
      expect(Date.now() - silent).toBeLessThan(8000);
      proxy.forward();
      const back = Date.now();
      await waitUntil(
        () => runs.some((at) => at > back),
        'the job to run again on a new connection',
        30_000,
        50,
      );
    } finally {
      await scheduler.shutdown();
      await proxy.close();
    }
  }, 60_000);
});
