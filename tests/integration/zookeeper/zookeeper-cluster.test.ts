// What the ZooKeeper store does for a cluster beyond the shared contract (cluster.suite.ts), with
// several store objects on one root, each with its own connection and session as separate processes
// would have: races for a job's last instance, for waiting runs and for interrupted runs; a heartbeat
// that reads names only however many jobs and runs are stored, and that moves more held runs than
// one transaction carries; a root made by the previous version; and runs that cannot be read.
import type zookeeper from 'node-zookeeper-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { serializeJob } from '../../../src/stores/job-serializer.js';
import type { ActiveRun, JobStoreContext, NodeRecord } from '../../../src/stores/job-store.js';
import { ZooKeeperJobStore } from '../../../src/stores/zookeeper/index.js';
import { Layout } from '../../../src/stores/zookeeper/zookeeper-layout.js';
import { FakeClock } from '../../../src/testing.js';
import { silentLogger } from '../../../src/logger.js';
import { makeActiveRun } from '../../conformance/cluster.suite.js';
import { T0, makeJob, makeRun } from '../../helpers/jobs.js';
import { serviceUrl } from '../../helpers/services.js';
import { unreadableDocument } from '../../helpers/sql.js';
import {
  dropRoot,
  getChildren,
  getData,
  rawZooKeeper,
  setData,
  zkRoot,
  zkUrl,
} from '../../helpers/zookeeper.js';

const url = serviceUrl('zookeeper');
const LEASE = 30_000;

const range = (count: number) => Array.from({ length: count }, (_, i) => i);
const ids = (runs: ActiveRun[]) => runs.map((run) => run.id).sort();

function node(id: string): NodeRecord {
  return {
    id,
    role: 'both',
    hostname: 'host-1',
    pid: 1,
    startedAt: new Date(T0),
    lastHeartbeat: new Date(T0),
    expiresAt: new Date(T0 + LEASE),
    executors: ['default'],
  };
}

describe.skipIf(url === undefined)('ZooKeeper job store in a cluster', () => {
  const server = url as string;
  const root = zkRoot(url, 'cluster');
  let raw: zookeeper.Client;
  let count = 0;
  let opened: ZooKeeperJobStore[] = [];
  const newRoot = () => `${root}/${++count}`;

  const context = (reports: { jobId: string; error: unknown }[] = []): JobStoreContext => ({
    alias: 'default',
    clock: new FakeClock(T0),
    logger: silentLogger,
    reportUnreadableJob: (jobId, error) => void reports.push({ jobId, error }),
  });
  /** A started store on `path`, with a connection (and session) of its own. */
  const open = async (path: string, reports?: { jobId: string; error: unknown }[]) => {
    const store = new ZooKeeperJobStore({ url: zkUrl(server, path) });
    await store.start(context(reports));
    opened.push(store);
    return store;
  };
  const openMany = (path: string, many: number) => Promise.all(range(many).map(() => open(path)));

  beforeAll(async () => {
    raw = await rawZooKeeper(server);
  });
  afterEach(async () => {
    await Promise.all(opened.map((store) => store.shutdown()));
    opened = [];
  });
  afterAll(async () => {
    raw.close();
    await dropRoot(server, root);
  });

  it('stores exactly one run of a job with maxInstances 1 when processes race to store one', async () => {
    const path = newRoot();
    const stores = await openMany(path, 6);
    const [first] = stores as [ZooKeeperJobStore];
    const jobs = range(10).map((i) => makeJob(`j${i}`, T0, { maxInstances: 1 }));
    for (const job of jobs) await first.addJob(job);
    // Each job has had a run already, so its instance folder exists, and each store knows it.
    await Promise.all(
      stores.map((store, i) =>
        store.releaseJobs(
          `node-${i}`,
          [],
          jobs.map((job) => makeActiveRun(`old${i}-${job.id}`, job, null)),
        ),
      ),
    );
    const ended = (await first.acquireRuns('node-0', ['default'], new Date(T0), LEASE, 100)).map(
      (run) => run.id,
    );
    expect(ended).toHaveLength(10);
    await first.finishRuns('node-0', ended, [], 10);
    const claimed = await first.acquireDueJobs('node-0', new Date(T0), LEASE, 100);
    expect(claimed).toHaveLength(10);
    const next = new Date(T0 + 10_000);
    // Node 0 releases each job with its run while five others start a run of each by hand.
    const results = await Promise.all(
      stores.map((store, i) =>
        i === 0
          ? store.releaseJobs(
              'node-0',
              claimed.map((job) => ({ id: job.id, nextRunTime: next, nextFireTime: next, remove: false })),
              claimed.map((job) => makeActiveRun(`r0-${job.id}`, job, 'node-0')),
            )
          : store.releaseJobs(
              `node-${i}`,
              [],
              jobs.map((job) => makeActiveRun(`r${i}-${job.id}`, job, `node-${i}`, { manual: true })),
            ),
      ),
    );
    expect(results.flatMap((result) => result.lost)).toEqual([]);
    const stored = await first.getActiveRuns();
    const perJob = new Map<string, number>();
    for (const run of stored) perJob.set(run.job.id, (perJob.get(run.job.id) ?? 0) + 1);
    expect([...perJob.entries()].sort()).toEqual(jobs.map((job) => [job.id, 1]).sort());
    // Every run not stored was reported refused, by the store object that was given it.
    const refused = results.flatMap((result) => result.refused);
    expect([...refused, ...stored.map((run) => run.id)].sort()).toEqual(
      range(6)
        .flatMap((i) => jobs.map((job) => `r${i}-${job.id}`))
        .sort(),
    );
    // The releases themselves were all stored.
    expect((await first.lookupJob('j3'))?.nextRunTime?.getTime()).toBe(next.getTime());
  });

  it('ignores the late release, and its runs, of a process whose lease another took over', async () => {
    const path = newRoot();
    const [a, b] = (await openMany(path, 2)) as [ZooKeeperJobStore, ZooKeeperJobStore];
    const job = makeJob('j', T0);
    await a.addJob(job);
    const [mine] = await a.acquireDueJobs('node-a', new Date(T0), 1000, 10);
    // A's lease runs out; B takes the job over. Both writes leave versions 0 and 1 of the lease,
    // which a driver that dropped version 0 from transactions could not tell apart.
    const [theirs] = await b.acquireDueJobs('node-b', new Date(T0 + 2000), LEASE, 10);
    expect(theirs?.id).toBe('j');
    const next = new Date(T0 + 10_000);
    const late = await a.releaseJobs(
      'node-a',
      [{ id: 'j', nextRunTime: next, nextFireTime: next, remove: false }],
      [makeActiveRun('late', mine as typeof job, 'node-a')],
    );
    expect(late).toEqual({ lost: ['j'], refused: [] });
    expect(await a.getActiveRuns()).toEqual([]);
    const later = new Date(T0 + 20_000);
    const result = await b.releaseJobs(
      'node-b',
      [{ id: 'j', nextRunTime: later, nextFireTime: later, remove: false }],
      [makeActiveRun('on-time', theirs as typeof job, 'node-b')],
    );
    expect(result).toEqual({ lost: [], refused: [] });
    expect((await a.lookupJob('j'))?.nextRunTime?.getTime()).toBe(later.getTime());
  });

  it('hands each waiting run to one of several processes racing for them', async () => {
    const stores = await openMany(newRoot(), 4);
    const [first] = stores as [ZooKeeperJobStore];
    const runs = range(60).map((i) =>
      makeActiveRun(`w${String(i).padStart(2, '0')}`, makeJob(`j${i}`, T0), null, {
        createdAt: new Date(T0 + i),
      }),
    );
    await first.releaseJobs('node-0', [], runs);
    const now = new Date(T0 + 1000);
    const got = await Promise.all(
      stores.map((store, i) => store.acquireRuns(`node-${i}`, ['default'], now, LEASE, 60)),
    );
    expect(got.flatMap(ids).sort()).toEqual(ids(runs));
    // Each run is held by the node that got it, and each node got its runs oldest first.
    const holders = new Map((await first.getActiveRuns()).map((run) => [run.id, run.node]));
    got.forEach((taken, i) => {
      for (const run of taken) expect(holders.get(run.id)).toBe(`node-${i}`);
      expect(taken.map((run) => run.id)).toEqual(ids(taken));
    });
  });

  it('takes and records each interrupted run once across processes, and puts back once those that ask', async () => {
    const stores = await openMany(newRoot(), 4);
    const [first] = stores as [ZooKeeperJobStore];
    const runs = range(40).map((i) =>
      makeActiveRun(
        `r${String(i).padStart(2, '0')}`,
        makeJob(`j${i}`, T0, { requestsRecovery: i % 2 === 0 }),
        'dead',
        {
          leaseUntil: new Date(T0 + 1000 + i),
        },
      ),
    );
    await first.releaseJobs('dead', [], runs);
    const now = new Date(T0 + 5000);
    const taken = (await Promise.all(stores.map((store) => store.takeInterruptedRuns(now, 100, 10)))).flat();
    expect(ids(taken)).toEqual(ids(runs));
    const requeued = taken.filter((run) => run.requeued).map((run) => run.id);
    expect(requeued.sort()).toEqual(runs.filter((_, i) => i % 2 === 0).map((run) => run.id));
    const left = await first.getActiveRuns();
    expect(ids(left)).toEqual(requeued);
    for (const run of left) expect(run).toMatchObject({ node: null, leaseUntil: null, recovery: true });
    // Recorded once, by whichever process took it.
    const records = await Promise.all(runs.map((run) => first.getRuns(run.job.id, 10)));
    expect(records.map((list) => list.map((record) => [record.outcome, record.schedulerId]))).toEqual(
      runs.map(() => [['interrupted', 'dead']]),
    );
    // The dead node's groups are gone once emptied, so later passes list nothing of it.
    expect(await stores[1]?.takeInterruptedRuns(now, 100, 10)).toEqual([]);
    expect(await getChildren(raw, `${first.root}/held`)).toEqual([]);
  });

  it("keeps an idle node's heartbeat to a few requests, however many jobs and runs are stored", async () => {
    const path = newRoot();
    const [busy, idle] = (await openMany(path, 2)) as [ZooKeeperJobStore, ZooKeeperJobStore];
    const jobs = range(300).map((i) => makeJob(`j${i}`, T0 + i, { maxInstances: 2 }));
    await Promise.all(jobs.map((job) => busy.addJob(job)));
    await busy.releaseJobs(
      'busy',
      [],
      [
        ...jobs.map((job) => makeActiveRun(`held-${job.id}`, job, 'busy')),
        ...jobs.map((job) => makeActiveRun(`waiting-${job.id}`, job, null)),
      ],
    );
    await busy.heartbeat(node('busy'), new Date(T0), LEASE);
    // What the idle store's connection sends: each read and each transaction.
    const zk = (idle as unknown as { zk: object }).zk;
    const requests = [vi.spyOn(zk as { call(): void }, 'call'), vi.spyOn(zk as { commit(): void }, 'commit')];
    const sent = () => requests.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    await idle.heartbeat(node('idle'), new Date(T0 + 1000), LEASE);
    // The names of the nodes and of the held groups, then one transaction.
    expect(sent()).toBe(3);
    // A node holding runs lists its own group too, and moves them in the same transaction.
    const job = makeJob('mine', T0);
    await idle.releaseJobs('idle', [], [makeActiveRun('mine', job, 'idle')]);
    for (const spy of requests) spy.mockClear();
    await idle.heartbeat(node('idle'), new Date(T0 + 2000), LEASE);
    expect(sent()).toBe(4);
    const leases = new Map((await idle.getActiveRuns()).map((run) => [run.id, run.leaseUntil?.getTime()]));
    expect(leases.get('mine')).toBe(T0 + 2000 + LEASE);
    expect(leases.get('held-j0')).toBe(T0 + LEASE);
    expect((await idle.getNodes(new Date(T0 + 2000))).map((one) => one.id)).toEqual(['busy', 'idle']);
  });

  it('moves more held runs on a heartbeat than one transaction carries', async () => {
    const store = await open(newRoot());
    const runs = range(1100).map((i) => makeActiveRun(`r${i}`, makeJob(`j${i}`, T0), 'node-a'));
    await store.releaseJobs('node-a', [], runs);
    await store.heartbeat(node('node-a'), new Date(T0 + 10_000), LEASE);
    const leases = new Set((await store.getActiveRuns()).map((run) => run.leaseUntil?.getTime()));
    expect([...leases]).toEqual([T0 + 10_000 + LEASE]);
    // All of them in one group: nothing is interrupted before the new lease ends.
    expect(await getChildren(raw, `${store.root}/held`)).toHaveLength(1);
    expect(await store.takeInterruptedRuns(new Date(T0 + LEASE + 5000), 10, 10)).toEqual([]);
  });

  it('upgrades a root made by the previous version, which had no runs in progress or nodes', async () => {
    const path = newRoot();
    const paths = new Layout(path);
    // The previous version's layout, with one due job and one run record in it.
    const create = (at: string, data = '') =>
      new Promise<void>((resolve, reject) =>
        raw.mkdirp(at, Buffer.from(data), (error) => (error ? reject(error) : resolve())),
      );
    await create(paths.version, '1');
    for (const folder of [paths.jobs, paths.leases, paths.sessions]) await create(folder);
    const job = makeJob('old', T0, { maxInstances: 1 });
    await create(paths.job('old'), JSON.stringify(serializeJob(job)));
    await create(paths.entry('old', T0));
    await create(
      `${paths.jobRuns('old')}/r${String(T0 - 10_000).padStart(16, '0')}-0000000000000000-0000000000`,
      JSON.stringify({
        version: 1,
        jobId: 'old',
        scheduledRunTime: T0 - 10_000,
        startedAt: null,
        finishedAt: null,
        outcome: 'missed',
        error: null,
        returnValue: null,
        schedulerId: 'old-node',
      }),
    );

    const store = await open(path);
    expect((await getChildren(raw, path)).sort()).toEqual([
      'active',
      'due',
      'held',
      'jobs',
      'leases',
      'nodes',
      'runs',
      'sessions',
      'version',
      'waiting',
    ]);
    await store.heartbeat(node('new'), new Date(T0), LEASE);
    const [claimed] = await store.acquireDueJobs('new', new Date(T0), LEASE, 10);
    expect(claimed?.id).toBe('old');
    const next = new Date(T0 + 10_000);
    const result = await store.releaseJobs(
      'new',
      [{ id: 'old', nextRunTime: next, nextFireTime: next, remove: false }],
      [
        makeActiveRun('run-1', claimed as typeof job, 'new'),
        makeActiveRun('run-2', claimed as typeof job, 'new'),
      ],
    );
    expect(result).toEqual({ lost: [], refused: ['run-2'] });
    expect(ids(await store.getActiveRuns())).toEqual(['run-1']);
    await store.finishRuns('new', ['run-1'], [makeRun('old', T0, { schedulerId: 'new' })], 10);
    expect(await store.getActiveRuns()).toEqual([]);
    expect((await store.getRuns('old', 10)).map((record) => record.schedulerId)).toEqual(['new', 'old-node']);
    expect((await store.getNodes(new Date(T0))).map((one) => one.id)).toEqual(['new']);
  });

  it('skips a run it cannot read, reports it once a minute, and keeps it', async () => {
    const reports: { jobId: string; error: unknown }[] = [];
    const store = await open(newRoot(), reports);
    const runs = [
      makeActiveRun('bad-json', makeJob('j1', T0), null),
      makeActiveRun('bad-trigger', makeJob('j2', T0), null, { createdAt: new Date(T0 + 1) }),
      makeActiveRun('good', makeJob('j3', T0), null, { createdAt: new Date(T0 + 2) }),
      makeActiveRun('bad-held', makeJob('j4', T0), 'dead', { leaseUntil: new Date(T0 + 10) }),
    ];
    await store.releaseJobs('node-a', [], runs);
    const paths = new Layout(store.root);
    await setData(raw, paths.activeRun('j1', 'bad-json'), '{ not json');
    const held = paths.activeRun('j4', 'bad-held');
    for (const [jobId, runId] of [
      ['j2', 'bad-trigger'],
      ['j4', 'bad-held'],
    ] as const) {
      const at = paths.activeRun(jobId, runId);
      const stored = JSON.parse(await getData(raw, at)) as { job: unknown };
      await setData(
        raw,
        at,
        JSON.stringify({
          ...stored,
          job: JSON.parse(unreadableDocument(JSON.stringify(stored.job))) as unknown,
        }),
      );
    }
    const reported = () => reports.map((report) => report.jobId).sort();

    expect(ids(await store.getActiveRuns())).toEqual(['good']);
    expect(reported()).toEqual(['j1', 'j2', 'j4']);
    reports.length = 0;

    const now = new Date(T0 + 1000);
    const hour = 3_600_000;
    expect(ids(await store.acquireRuns('node-a', ['default'], now, hour, 10))).toEqual(['good']);
    expect(reported()).toEqual(['j1', 'j2']);
    expect(await store.takeInterruptedRuns(now, 10, 10)).toEqual([]);
    expect(reported()).toEqual(['j1', 'j2', 'j4']);
    // Passed over without a new report for a minute, then read and reported again.
    expect(await store.acquireRuns('node-a', ['default'], new Date(T0 + 30_000), LEASE, 10)).toEqual([]);
    expect(await store.takeInterruptedRuns(new Date(T0 + 30_000), 10, 10)).toEqual([]);
    expect(reports).toHaveLength(3);
    expect(await store.acquireRuns('node-a', ['default'], new Date(T0 + 61_001), LEASE, 10)).toEqual([]);
    expect(await store.takeInterruptedRuns(new Date(T0 + 61_001), 10, 10)).toEqual([]);
    expect(reports).toHaveLength(6);
    // Kept, for someone to fix or remove.
    expect(await getData(raw, held)).toContain('no-such-trigger');
    expect(await getData(raw, paths.activeRun('j1', 'bad-json'))).toBe('{ not json');
  });
});
