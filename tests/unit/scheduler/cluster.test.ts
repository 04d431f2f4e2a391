// Several schedulers on one store, in one process (the memory store shared): runs kept in the
// store through the run, maxInstances counted there, interrupted runs of a dead node, roles and
// nodes. The processes, the real stores and the brokers are in tests/integration/cluster.
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENT_JOB_INTERRUPTED,
  EVENT_JOB_MAX_INSTANCES,
  InvalidArgumentError,
  MemoryJobStore,
  Scheduler,
  silentLogger,
  type ActiveRun,
  type JobInterruptedEvent,
  type JobState,
  type SchedulerEventUnion,
  type SchedulerOptions,
} from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { waitUntil } from '../../helpers/wait.js';
import { T0, at, rejection } from './helpers.js';

const started: Scheduler[] = [];
afterEach(async () => {
  for (const scheduler of started.splice(0)) {
    if (scheduler.state !== 'stopped') await scheduler.shutdown({ wait: false });
  }
});

/** A scheduler on `store` and `clock`, its events collected; a short lease so heartbeats come often. */
function node(store: MemoryJobStore, clock: FakeClock, options: SchedulerOptions = {}) {
  const scheduler = new Scheduler({
    clock,
    logger: silentLogger,
    timezone: 'UTC',
    jobStores: { default: store },
    leaseTime: 0.3,
    ...options,
  });
  const events: SchedulerEventUnion[] = [];
  scheduler.addListener((event) => events.push(event));
  started.push(scheduler);
  return { scheduler, events };
}

/** A job function that stays running until `release()`; `entered` counts its runs. */
function blocking() {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = { entered: 0, release: () => release() };
  const fn = async () => {
    state.entered++;
    await gate;
  };
  return { state, fn };
}

describe('runs kept in the store', () => {
  it('holds a run in the store while it runs, under its node, and ends it with its record', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock(T0);
    const { scheduler } = node(store, clock, { nodeId: 'node-a' });
    const job = blocking();
    await scheduler.addJob(job.fn, 'date', { runDate: at(1000), id: 'once' });
    await scheduler.start();
    await clock.advance(1000);
    await waitUntil(() => job.state.entered === 1, 'the run to start');
    const [held, ...others] = await scheduler.getActiveRuns();
    expect(others).toEqual([]);
    expect(held).toMatchObject({ node: 'node-a', manual: false, recovery: false });
    expect(held?.job.id).toBe('once');
    expect(held?.scheduledRunTimes).toEqual([at(1000)]);
    // The one-shot job has left the job list; its run is still in the store.
    expect(await scheduler.getJobs()).toEqual([]);
    job.state.release();
    await waitUntil(async () => (await scheduler.getActiveRuns()).length === 0, 'the run to end');
    expect((await scheduler.getRuns('once')).map((run) => run.outcome)).toEqual(['success']);
  });

  it('counts maxInstances in the store: a second scheduler does not start a run the first still has', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock(T0);
    const a = node(store, clock, { nodeId: 'a' });
    const b = node(store, clock, { nodeId: 'b' });
    const job = blocking();
    await a.scheduler.addJob(job.fn, 'interval', { seconds: 1, id: 'long', maxInstances: 1 });
    await a.scheduler.start();
    await clock.advance(1000);
    await waitUntil(() => job.state.entered === 1, 'the first run, on a');
    // a claims no more (its run goes on); b claims the next ones, and must not start them.
    a.scheduler.pause();
    await b.scheduler.start();
    for (let second = 2; second <= 4; second++) await clock.advance(1000);
    await waitUntil(
      () => b.events.filter((event) => event.code === EVENT_JOB_MAX_INSTANCES).length >= 3,
      "b's refusals",
    );
    expect(job.state.entered).toBe(1);
    job.state.release();
  });
});

describe('interrupted runs', () => {
  /** A run of `job` held by a node that stopped beating at T0 + 1 s. */
  const deadRun = (job: JobState): ActiveRun => ({
    id: `dead/${job.id}`,
    job,
    scheduledRunTimes: [at(500)],
    node: 'dead-node',
    leaseUntil: at(1000),
    manual: false,
    recovery: false,
    createdAt: at(500),
  });

  it('records the run of a dead node as interrupted, and runs it again once when the job asks', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock(T0);
    const { scheduler, events } = node(store, clock, { nodeId: 'survivor' });
    let recovered = 0;
    let reported = 0;
    await scheduler.start();
    // The dead node's jobs, as its scheduler stored them.
    // The default misfire grace time (1 s): the recovery run starts long after its scheduled
    // time, and runs all the same, as the job asked.
    const donor = await scheduler.addJob(() => recovered++, 'interval', {
      hours: 1,
      id: 'recover',
      requestsRecovery: true,
    });
    await scheduler.addJob(() => reported++, 'interval', { hours: 1, id: 'report' });
    const jobs = await store.getAllJobs();
    expect(donor.requestsRecovery).toBe(true);
    await store.releaseJobs('dead-node', [], jobs.map(deadRun));
    clock.jump(T0 + 2000);
    await waitUntil(
      () => events.filter((event) => event.code === EVENT_JOB_INTERRUPTED).length === 2,
      'both interruptions to be found by a heartbeat',
    );
    const interrupted = events.filter(
      (event): event is JobInterruptedEvent => event.code === EVENT_JOB_INTERRUPTED,
    );
    expect(interrupted.map((event) => [event.jobId, event.interruptedNode, event.recovered]).sort()).toEqual([
      ['recover', 'dead-node', true],
      ['report', 'dead-node', false],
    ]);
    expect(interrupted[0]?.scheduledRunTimes).toEqual([at(500)]);
    await waitUntil(() => recovered === 1, 'the recovered run');
    const records = await scheduler.getRuns('report');
    expect(records).toMatchObject([
      { outcome: 'interrupted', schedulerId: 'dead-node', startedAt: null, scheduledRunTime: at(500) },
    ]);
    expect(reported).toBe(0);
    expect((await scheduler.getRuns('recover')).map((run) => run.outcome)).toEqual([
      'success',
      'interrupted',
    ]);
    expect(await scheduler.getActiveRuns()).toEqual([]);
  });

  it('ends, as interrupted, the runs an earlier process with the same node id left', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock(T0);
    const first = node(store, clock, { nodeId: 'worker-1' });
    await first.scheduler.start();
    await first.scheduler.addJob(() => undefined, 'interval', { hours: 1, id: 'long', maxInstances: 1 });
    const [job] = await store.getAllJobs();
    // The earlier worker-1 was killed mid-run: its run is still leased to it for a long while.
    await store.releaseJobs(
      'worker-1',
      [],
      [{ ...deadRun(job as JobState), node: 'worker-1', leaseUntil: at(600_000) }],
    );
    await first.scheduler.shutdown();
    const again = node(store, clock, { nodeId: 'worker-1' });
    await again.scheduler.start();
    expect(again.events.filter((event) => event.code === EVENT_JOB_INTERRUPTED)).toMatchObject([
      { jobId: 'long', interruptedNode: 'worker-1', recovered: false },
    ]);
    expect(await again.scheduler.getActiveRuns()).toEqual([]);
    expect((await again.scheduler.getRuns('long'))[0]).toMatchObject({
      outcome: 'interrupted',
      schedulerId: 'worker-1',
    });
  });
});

describe('roles', () => {
  it('a scheduler node hands runs to a worker node through the store, and runs nothing itself', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock(T0);
    const planner = node(store, clock, { nodeId: 'planner', role: 'scheduler' });
    const worker = node(store, clock, { nodeId: 'worker', role: 'worker' });
    const ran: string[] = [];
    await planner.scheduler.addJob(() => ran.push('tick'), 'interval', { seconds: 1, id: 'tick' });
    await planner.scheduler.start();
    await worker.scheduler.start();
    await clock.advance(1000);
    await waitUntil(() => ran.length === 1, 'the worker to run the handed-over run');
    expect(codesOf(planner.events)).not.toContain('job_executed');
    expect(codesOf(worker.events)).toContain('job_executed');
    const nodes = await worker.scheduler.getNodes();
    expect(nodes.map((found) => [found.id, found.role, found.executors])).toEqual([
      ['planner', 'scheduler', []],
      ['worker', 'worker', ['default']],
    ]);
  });

  it('a client node stores jobs and runs nothing; its runJob waits for a worker', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock(T0);
    const client = node(store, clock, { nodeId: 'client', role: 'client' });
    await client.scheduler.start();
    const ran: string[] = [];
    await client.scheduler.addJob(() => ran.push('job'), 'interval', { seconds: 1, id: 'job' });
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['job']);
    await clock.advance(3000);
    expect(ran).toEqual([]);
    await client.scheduler.runJob('job');
    const [waiting] = await client.scheduler.getActiveRuns();
    expect(waiting).toMatchObject({ node: null, manual: true });
    const worker = node(store, clock, { nodeId: 'worker', role: 'worker' });
    await worker.scheduler.start();
    await waitUntil(() => ran.length === 1, 'the worker to run the manual run');
    expect((await worker.scheduler.getRuns('job'))[0]).toMatchObject({ manual: true, schedulerId: 'worker' });
    // Each node's last beat was at the time the fake clock had then: wait for both to beat again.
    await waitUntil(
      async () => (await client.scheduler.getNodes()).map((found) => found.role).join() === 'client,worker',
      'both nodes to be listed',
    );
  });

  it('lists the live nodes and forgets one that shuts down', async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock(T0);
    const a = node(store, clock, { nodeId: 'a' });
    const b = node(store, clock, { nodeId: 'b' });
    await a.scheduler.start();
    await b.scheduler.start();
    const [first] = await a.scheduler.getNodes();
    expect(first).toMatchObject({ id: 'a', role: 'both', pid: process.pid, startedAt: new Date(T0) });
    expect(first?.expiresAt.getTime()).toBe(T0 + 300);
    await b.scheduler.shutdown();
    expect((await a.scheduler.getNodes()).map((found) => found.id)).toEqual(['a']);
  });
});

describe('cluster options', () => {
  it('refuses a bad role, two different ids, a lease shorter than two heartbeats and a bad mask', () => {
    const bad: [SchedulerOptions, string][] = [
      [{ role: 'boss' as never }, 'role'],
      [{ nodeId: 'a', schedulerId: 'b' }, 'nodeId'],
      [{ leaseTime: 1, heartbeatInterval: 0.5 }, 'leaseTime'],
      [{ clusterEvents: -1 }, 'clusterEvents'],
      [{ eventBroker: {} as never }, 'eventBroker'],
    ];
    for (const [options, field] of bad) {
      let error: unknown;
      try {
        new Scheduler(options);
      } catch (caught) {
        error = caught;
      }
      expect(error, field).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe(field);
    }
  });

  it('names the node host:pid:random by default, and takes nodeId or schedulerId', async () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    started.push(scheduler);
    await scheduler.start({ paused: true });
    const [self] = await scheduler.getNodes();
    expect(self?.id).toMatch(new RegExp(`^.+:${process.pid}:[0-9a-f]{6}$`));
    expect(await rejection(scheduler.getNodes({ jobStore: 'nope' }))).toMatchObject({ name: 'LookupError' });
  });
});

function codesOf(events: SchedulerEventUnion[]): string[] {
  const names: Record<number, string> = { 4096: 'job_executed' };
  return events.map((event) => names[event.code] ?? String(event.code));
}
