// ZooKeeper going away while a scheduler runs (a TCP proxy between store and server is cut, then
// restored on the same port): the scheduler logs the failure, and when the server is back it
// recovers by itself and runs every job again; no job is lost. Once within the session timeout
// (the session survives) and once past it (the store starts a new session).
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler, currentJob } from '../../../src/index.js';
import { ZooKeeperJobStore } from '../../../src/stores/zookeeper/index.js';
import { parseZooKeeperUrl } from '../../../src/stores/zookeeper/zookeeper-options.js';
import { collectingLogger } from '../../helpers/jobs.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { dropRoot, zkRoot } from '../../helpers/zookeeper.js';

const url = serviceUrl('zookeeper');
/** The least session timeout the server grants (two ticks of 2 s). */
const SESSION_MS = 4000;

describe.skipIf(url === undefined)('ZooKeeper going down while the scheduler runs', () => {
  const root = zkRoot(url, 'outage');
  afterAll(() => dropRoot(url as string, root));

  it.each([
    ['within the session timeout', 0],
    ['past the session timeout', SESSION_MS + 2000],
  ])(
    'logs, recovers by itself and runs every job again: outage %s',
    async (name, outageMs) => {
      const [host, port] = (parseZooKeeperUrl(url as string).hosts.split(',')[0] as string).split(':');
      const proxy = new TcpProxy(host as string, Number(port));
      const proxyPort = await proxy.open();
      const store = new ZooKeeperJobStore({
        url: `zookeeper://127.0.0.1:${proxyPort}${root}/${outageMs}`,
        sessionTimeout: SESSION_MS,
        connectTimeout: 1000,
        operationTimeout: 1000,
      });
      const logger = collectingLogger();
      const scheduler = new Scheduler({ jobStores: { default: store }, logger, leaseTime: 2, maxSleep: 0.5 });
      const runs: { id: string; at: number }[] = [];
      await scheduler.registerTask('tick', () =>
        runs.push({ id: currentJob()?.jobId as string, at: Date.now() }),
      );
      const ids = ['a', 'b', 'c'];
      for (const id of ids)
        await scheduler.addJob('tick', 'interval', { id, seconds: 0.3, misfireGraceTime: null });
      await scheduler.start();
      const ranSince = (since: number) =>
        ids.every((id) => runs.some((run) => run.id === id && run.at > since));
      try {
        await waitUntil(() => ranSince(0), 'every job to run once');

        await proxy.close();
        const down = Date.now();
        await waitUntil(
          () =>
            logger.lines.some(
              (line) => line.level === 'error' && line.message.includes('ZooKeeper job store'),
            ),
          'the lost connection to be logged',
        );
        // Outlasting the session is the point of the second case: the server expires it meanwhile.
        await waitUntil(
          () => Date.now() - down >= outageMs,
          `an outage of ${outageMs} ms`,
          outageMs + 5000,
          50,
        );

        await proxy.open();
        const back = Date.now();
        await waitUntil(() => ranSince(back), `every job to run again after the outage (${name})`, 20_000);
        expect((await scheduler.getJobs()).map((job) => job.id).sort()).toEqual(ids);
        if (outageMs > SESSION_MS)
          expect(logger.lines.some((line) => line.message.includes('session expired'))).toBe(true);
      } finally {
        await scheduler.shutdown();
        await proxy.close();
      }
    },
    60_000,
  );
});
