// Nodes and roles across processes (issue 13), on every store:
// - `getNodes()` in one process lists every live node with its role and executors; a SIGKILLed one
//   leaves the list when its lease runs out and the store forgets it a lease later (pruned), and
//   one that shuts down cleanly leaves it at once;
// - a `scheduler` node claims the due runs and hands them over through the store; only the
//   `worker` node runs them, and a `client` node that adds the jobs and runs one by hand runs none.
import { expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { FakeClock } from '../../../src/testing.js';
import { describeOnEachStore, useProcesses, type ProcessTarget } from '../../helpers/cluster.js';
import { RECORD_RUN, type ReportedNode, type SchedulerProcess } from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { waitUntil } from '../../helpers/wait.js';

const LEASE_S = 2;
const processes = useProcesses();

/** The store at `prefix`, started (its tables made, so the processes never race to make them). */
async function openStore(target: ProcessTarget, prefix: string): Promise<JobStore> {
  const store = target.open(prefix);
  await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
  return store;
}

describeOnEachStore('nodes and roles', (target) => {
  it('lists the live nodes with their roles; a killed one leaves after its lease', async () => {
    const prefix = uniquePrefix('nodes');
    const store = await openStore(target, prefix);
    const cluster = processes.cluster(target, prefix);
    const roles = { b: 'both', s: 'scheduler', w: 'worker', c: 'client' };
    const spawn = (id: keyof typeof roles) =>
      cluster.spawn(id, { scheduler: { role: roles[id], leaseTime: LEASE_S } });
    const [scheduler, worker, client] = [spawn('s'), spawn('w'), spawn('c')];
    await Promise.all([spawn('b'), scheduler, worker, client].map((child) => child.started));
    const listed = async () => (await client.call('getNodes')) as ReportedNode[];

    const nodes = await listed();
    expect(nodes.map(({ id, role, pid, executors }) => ({ id, role, pid, executors }))).toEqual(
      cluster.processes
        .map((child) => {
          const role = roles[child.schedulerId as keyof typeof roles];
          const runs = role === 'both' || role === 'worker';
          return { id: child.schedulerId, role, pid: child.pid, executors: runs ? ['default'] : [] };
        })
        .sort((x, y) => x.id.localeCompare(y.id)),
    );
    for (const node of nodes) {
      expect(node.expiresAt - node.lastHeartbeat).toBe(LEASE_S * 1000);
      expect(node.startedAt).toBeLessThanOrEqual(node.lastHeartbeat);
    }

    const killedAt = await worker.kill();
    let lastSeen = nodes.find((node) => node.id === 'w') as ReportedNode;
    await waitUntil(
      async () => {
        const seen = (await listed()).find((node) => node.id === 'w');
        if (seen !== undefined) lastSeen = seen;
        return seen === undefined;
      },
      'the killed worker to leave the list',
      15_000,
      100,
    );
    const goneAt = Date.now();
    // Listed until its last lease ran out, and no longer: not until a heartbeat prunes it, a
    // lease later.
    expect(goneAt).toBeGreaterThanOrEqual(lastSeen.expiresAt);
    expect(goneAt).toBeLessThan(lastSeen.expiresAt + LEASE_S * 1000);
    expect(lastSeen.expiresAt).toBeLessThanOrEqual(killedAt + LEASE_S * 1000);
    // A lease after it expired, a heartbeat deletes it from the store.
    await waitUntil(
      async () => !(await store.getNodes(new Date(0))).some((node) => node.id === 'w'),
      'the killed worker to be pruned from the store',
      15_000,
      100,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(lastSeen.expiresAt + LEASE_S * 1000);

    await scheduler.stop();
    expect((await listed()).map((node) => node.id)).toEqual(['b', 'c']);
    await cluster.stop();
    expect((await store.getNodes(new Date(0))).map((node) => node.id)).toEqual([]);
    await store.shutdown();
  }, 60_000);

  it('runs the due jobs of a scheduler node on the worker node only, and a client’s runJob too', async () => {
    const prefix = uniquePrefix('roles');
    const store = await openStore(target, prefix);
    const cluster = processes.cluster(target, prefix);
    // The worker looks for handed-over runs at each pass (maxSleep) and heartbeat; no broker here.
    const options = (role: string) => ({ scheduler: { role, leaseTime: 3, maxSleep: 0.2 } });
    const scheduler = cluster.spawn('s', options('scheduler'));
    const worker = cluster.spawn('w', options('worker'));
    const client = cluster.spawn('c', options('client'));
    await Promise.all([scheduler, worker, client].map((child) => child.started));
    const runsOf = (jobId: string) => cluster.runs().filter((run) => run.jobId === jobId);
    await client.call('addJob', RECORD_RUN, 'interval', {
      id: 'tick',
      seconds: 0.5,
      misfireGraceTime: null,
      coalesce: false,
      maxInstances: 5,
    });
    await client.call('addJob', RECORD_RUN, 'interval', { id: 'by-hand', hours: 1, nextRunTime: null });
    await cluster.waitForRuns(() => runsOf('tick').length >= 5, 'five runs of tick');
    await client.call('runJob', 'by-hand');
    await cluster.waitForRuns(() => runsOf('by-hand').length > 0, 'the run by hand');
    await cluster.stop();
    expect(cluster.stderr()).not.toMatch(/\] error /);

    const runs = cluster.runs();
    expect(new Set(runs.map((run) => run.scheduler))).toEqual(new Set(['w']));
    expect(runsOf('by-hand')).toHaveLength(1);
    const [record] = await store.getRuns('by-hand', 10);
    expect(record).toMatchObject({ outcome: 'success', manual: true, schedulerId: 'w' });
    // The scheduler node handed the ticks over (submitted, with no executor of its own).
    const submitted = (child: SchedulerProcess, jobId: string) =>
      child.events.filter((event) => event.name === 'job_submitted' && event.jobId === jobId).length;
    expect(submitted(scheduler, 'tick')).toBeGreaterThanOrEqual(5);
    expect(submitted(client, 'by-hand')).toBe(1);
    for (const child of [scheduler, client]) {
      expect(child.events.filter((event) => event.name === 'job_executed')).toEqual([]);
    }
    expect(worker.events.filter((event) => event.name === 'job_executed').length).toBe(runs.length);
    await store.shutdown();
  }, 60_000);
});
