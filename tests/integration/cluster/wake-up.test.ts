// Wake-ups through an event broker (issue 13), once per broker: nodes that would poll only every
// 30 s (`maxSleep`, `heartbeatInterval`) run what a client process adds or runs by hand within
// WAKE_BOUND_MS, far below the poll and far above the broker's real latency (that one is measured in
// bench/cluster-wakeup.mjs, on a quiet machine):
// - a job a `client` node adds for now + 100 ms runs on a sleeping `both` node;
// - through a `scheduler` node that hands it over and a sleeping `worker` node, the same; and the
//   client's `runJob` runs on the worker.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { FakeClock } from '../../../src/testing.js';
import { describeOnEachStore, useProcesses, type Cluster } from '../../helpers/cluster.js';
import {
  RECORD_RUN,
  type BrokerConfig,
  type RunLine,
  type SchedulerProcess,
} from '../../helpers/processes.js';
import { serviceUrl, type Service } from '../../helpers/services.js';
import { uniquePrefix } from '../../helpers/sql.js';

/** Each broker on a store of its own server (MQTT beside SQLite, which has no server). */
const CASES: { store: string; broker: BrokerConfig['module']; service: Service }[] = [
  { store: 'PostgreSQL', broker: 'postgres', service: 'postgres' },
  { store: 'Redis', broker: 'redis', service: 'redis' },
  { store: 'SQLite', broker: 'mqtt', service: 'mqtt' },
];
/** Nodes that would find a change only after half a minute without the broker. */
const SLEEPY = { maxSleep: 30, leaseTime: 90, heartbeatInterval: 30 };
const WAKE_BOUND_MS = 2000;

const processes = useProcesses();

/** Adds a date job for now + 100 ms through `client` and waits for its run; returns that run. */
async function addSoon(cluster: Cluster, client: SchedulerProcess, jobId: string): Promise<RunLine> {
  await client.call('addJob', RECORD_RUN, 'date', { id: jobId, runDate: Date.now() + 100 });
  return ranOnce(cluster, jobId);
}

async function ranOnce(cluster: Cluster, jobId: string): Promise<RunLine> {
  await cluster.waitForRuns((runs) => runs.some((run) => run.jobId === jobId), `a run of ${jobId}`, 20_000);
  return cluster.runs().find((run) => run.jobId === jobId) as RunLine;
}

for (const { store, broker, service } of CASES) {
  describeOnEachStore(
    `wake-up through the ${broker} broker`,
    (target) => {
      const url = serviceUrl(service);
      /** A cluster whose nodes share a broker channel of their own, with its store's tables made. */
      const sleepyCluster = async () => {
        const prefix = uniquePrefix('wake');
        const tables = target.open(prefix);
        await tables.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
        await tables.shutdown();
        const channel = `horae_${randomBytes(4).toString('hex')}`;
        const cluster = processes.cluster(target, prefix);
        const start = (id: string, role: string) =>
          cluster.spawn(id, {
            scheduler: { ...SLEEPY, role },
            broker: { module: broker, options: { url, channel } },
          });
        return { cluster, start };
      };

      it.skipIf(url === undefined)(
        'runs a job a client adds for now + 100 ms on a sleeping node',
        async () => {
          const { cluster, start } = await sleepyCluster();
          const client = start('client', 'client');
          await Promise.all([start('node', 'both').started, client.started]);
          const latencies: number[] = [];
          for (let i = 0; i < 3; i++) {
            const run = await addSoon(cluster, client, `soon-${i}`);
            expect(run.scheduler).toBe('node');
            latencies.push(run.at - run.scheduled);
          }
          await cluster.stop();
          console.log(`${broker} broker on ${target.name}: run ${latencies.join(', ')} ms after its time`);
          for (const latency of latencies) expect(latency).toBeLessThan(WAKE_BOUND_MS);
        },
        60_000,
      );

      it.skipIf(url === undefined)(
        'hands runs from a scheduler node to a sleeping worker node at once',
        async () => {
          const { cluster, start } = await sleepyCluster();
          const client = start('client', 'client');
          await Promise.all(
            [start('scheduler', 'scheduler'), start('worker', 'worker'), client].map(
              (child) => child.started,
            ),
          );
          const handed = await addSoon(cluster, client, 'handed');
          await client.call('addJob', RECORD_RUN, 'interval', {
            id: 'by-hand',
            hours: 1,
            nextRunTime: null,
          });
          await client.call('runJob', 'by-hand');
          const byHand = await ranOnce(cluster, 'by-hand');
          await cluster.stop();
          const latencies = [handed.at - handed.scheduled, byHand.at - byHand.scheduled];
          console.log(
            `${broker} broker on ${target.name}: handed over, run ${latencies.join(', ')} ms after its time`,
          );
          expect([handed.scheduler, byHand.scheduler]).toEqual(['worker', 'worker']);
          for (const latency of latencies) expect(latency).toBeLessThan(WAKE_BOUND_MS);
        },
        60_000,
      );
    },
    [store],
  );
}
