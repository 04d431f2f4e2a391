// The cluster half of the etcd store beyond the conformance suite: stores on separate connections
// (as separate processes are) racing to store runs of one job, to hand out waiting runs and to take
// interrupted ones; the records of a long catch-up run taken; a heartbeat racing a takeover; what a
// heartbeat, a release and a finish cost in requests with 10,000 jobs stored; a prefix laid out by
// the previous version; unreadable runs.
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import { serializeJob } from '../../../src/stores/job-serializer.js';
import type { EtcdClient } from '../../../src/stores/etcd/index.js';
import { EtcdJobStore } from '../../../src/stores/etcd/index.js';
import type { ActiveRun, JobStore, JobStoreContext, NodeRecord } from '../../../src/stores/job-store.js';
import { serializeRunRecord } from '../../../src/stores/run-record.js';
import { makeActiveRun } from '../../conformance/cluster.suite.js';
import { dropPrefix, etcdPrefix, etcdUrl, rawEtcd } from '../../helpers/etcd.js';
import { T0, collectingLogger, makeJob, makeRun } from '../../helpers/jobs.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { unreadableDocument } from '../../helpers/sql.js';

const url = serviceUrl('etcd');
const LEASE = 30_000;

const node = (id: string): NodeRecord => ({
  id,
  role: 'both',
  hostname: 'host',
  pid: 1,
  startedAt: new Date(T0),
  lastHeartbeat: new Date(T0),
  expiresAt: new Date(T0 + LEASE),
  executors: ['default'],
});

const ids = (runs: { id: string }[]) => runs.map((run) => run.id).sort();

describe.skipIf(url === undefined)('etcd store in a cluster', () => {
  const server = url as string;
  const runPrefix = etcdPrefix(server, 'cluster');
  let count = 0;
  let raw: Etcd3;
  const stores: JobStore[] = [];
  const clients: Etcd3[] = [];
  const newPrefix = () => `${runPrefix}${++count}`;
  const reports: { jobId: string; error: unknown }[] = [];
  const context: JobStoreContext = {
    alias: 'default',
    clock: new SystemClock(),
    logger: collectingLogger(),
    reportUnreadableJob: (jobId, error) => void reports.push({ jobId, error }),
  };
  /** A store on a connection of its own, as another process would have. */
  const open = async (prefix: string, client?: EtcdClient) => {
    const store = new EtcdJobStore(
      client === undefined ? { url: etcdUrl(server, prefix) } : { client, prefix },
    );
    stores.push(store);
    await store.start(context);
    return store;
  };

  beforeAll(() => {
    raw = rawEtcd(server);
  });
  afterEach(async () => {
    reports.length = 0;
    await Promise.all(stores.splice(0).map((store) => store.shutdown()));
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    raw.close();
    await dropPrefix(server, runPrefix);
  });

  it('stores at most maxInstances runs of a job that processes store at once', async () => {
    const prefix = newPrefix();
    const [a, b, c] = await Promise.all([open(prefix), open(prefix), open(prefix)]);
    const one = makeJob('one', T0, { maxInstances: 1 });
    const three = makeJob('three', T0, { maxInstances: 3 });
    await a.addJob(one);
    for (let round = 0; round < 10; round++) {
      // A holds the job's claim and releases it with its run while B and C start runs by hand.
      await a.updateJob(makeJob('one', T0, { maxInstances: 1 }));
      const [claimed] = await a.acquireDueJobs('A', new Date(T0), LEASE, 1);
      expect(claimed?.id).toBe('one');
      const next = new Date(T0 + 10_000);
      const results = await Promise.all([
        a.releaseJobs(
          'A',
          [{ id: 'one', nextRunTime: next, nextFireTime: next, remove: false }],
          [makeActiveRun(`a${round}`, one, 'A')],
        ),
        b.releaseJobs('B', [], [makeActiveRun(`b${round}`, one, 'B', { manual: true })]),
        c.releaseJobs('C', [], [makeActiveRun(`c${round}`, one, null, { manual: true })]),
        // Three runs of another job, two each from three stores.
        ...[a, b, c].map((store, i) =>
          store.releaseJobs(
            'X',
            [],
            [0, 1].map((k) => makeActiveRun(`t${round}-${i}${k}`, three, 'X')),
          ),
        ),
      ]);
      const active = await a.getActiveRuns();
      expect(active.filter((run) => run.job.id === 'one')).toHaveLength(1);
      expect(active.filter((run) => run.job.id === 'three')).toHaveLength(3);
      expect(results.flatMap((result) => result.refused)).toHaveLength(2 + 3);
      expect(results[0]?.lost).toEqual([]);
      expect((await a.lookupJob('one'))?.nextRunTime).toEqual(next);
      // Frees the slots for the next round: the held runs as interrupted, a waiting one by a worker.
      await a.takeInterruptedRuns(new Date(T0 + 2 * LEASE), 100, 10);
      const waiting = await a.acquireRuns('W', ['default'], new Date(T0), LEASE, 10);
      await a.finishRuns('W', ids(waiting), [], 1);
      expect(await a.getActiveRuns()).toEqual([]);
    }
  }, 30_000);

  it('hands each waiting run to one caller among stores that acquire at once', async () => {
    const prefix = newPrefix();
    const [first, second] = await Promise.all([open(prefix), open(prefix)]);
    const runs: ActiveRun[] = [];
    for (let i = 0; i < 60; i++) {
      const job = makeJob(`j${i}`, T0, { executor: i % 2 === 0 ? 'default' : 'cpu' });
      runs.push(makeActiveRun(`r${String(i).padStart(2, '0')}`, job, null, { createdAt: new Date(T0 + i) }));
    }
    await first.releaseJobs('S', [], runs);
    const got = new Map<string, string>();
    const acquire = async (store: JobStore, nodeId: string) => {
      for (;;) {
        const taken = await store.acquireRuns(nodeId, ['default', 'cpu'], new Date(T0 + 100), LEASE, 7);
        if (taken.length === 0) return;
        for (const run of taken) {
          expect(got.get(run.id), `${run.id} handed out twice`).toBeUndefined();
          got.set(run.id, nodeId);
          expect(run.node).toBe(nodeId);
        }
      }
    };
    await Promise.all([
      acquire(first, 'a1'),
      acquire(first, 'a2'),
      acquire(second, 'b1'),
      acquire(second, 'b2'),
    ]);
    expect([...got.keys()].sort()).toEqual(ids(runs));
    const held = await second.getActiveRuns();
    expect(held.map((run) => [run.id, run.node])).toEqual(runs.map((run) => [run.id, got.get(run.id)]));
  });

  it('reports each interrupted run once among stores that take them at once', async () => {
    const prefix = newPrefix();
    const [first, second] = await Promise.all([open(prefix), open(prefix)]);
    const runs: ActiveRun[] = [];
    for (let i = 0; i < 60; i++) {
      const job = makeJob(`j${i}`, T0, { requestsRecovery: i % 3 === 0 });
      runs.push(
        makeActiveRun(`r${String(i).padStart(2, '0')}`, job, 'dead', { leaseUntil: new Date(T0 + i) }),
      );
    }
    await first.releaseJobs('dead', [], runs);
    const taken = new Map<string, boolean>();
    const take = async (store: JobStore) => {
      for (;;) {
        const batch = await store.takeInterruptedRuns(new Date(T0 + 1000), 7, 10);
        if (batch.length === 0) return;
        for (const run of batch) {
          expect(taken.has(run.id), `${run.id} taken twice`).toBe(false);
          taken.set(run.id, run.requeued);
        }
      }
    };
    await Promise.all([take(first), take(first), take(second), take(second)]);
    expect([...taken.keys()].sort()).toEqual(ids(runs));
    const requeued = [...taken].filter(([, again]) => again).map(([id]) => id);
    expect(requeued.sort()).toEqual(ids(runs.filter((run) => run.job.requestsRecovery === true)));
    const left = await first.getActiveRuns();
    expect(ids(left)).toEqual(requeued.sort());
    expect(left.every((run) => run.node === null && run.recovery)).toBe(true);
    // Each interruption recorded once, by the store that took it.
    const records = await Promise.all(runs.map((run) => first.getRuns(run.job.id, 10)));
    expect(records.map((list) => list.map((record) => record.outcome))).toEqual(
      runs.map(() => ['interrupted']),
    );
    // Each recovery run waits once, in the index too.
    expect(ids(await second.acquireRuns('n', ['default'], new Date(T0 + 1000), LEASE, 100))).toEqual(
      requeued.sort(),
    );
  });

  it('records every run time of a long catch-up run it takes, past what a transaction holds', async () => {
    const store = await open(newPrefix());
    const times = Array.from({ length: 300 }, (_, i) => new Date(T0 - 1000 * (300 - i)));
    const long = (id: string, job: string) =>
      makeActiveRun(id, makeJob(job, T0, { maxInstances: 2 }), 'dead', {
        leaseUntil: new Date(T0),
        scheduledRunTimes: times,
      });
    await store.releaseJobs('dead', [], [long('r1', 'all'), long('r2', 'kept')]);
    expect(ids(await store.takeInterruptedRuns(new Date(T0 + 1), 1, 1000))).toEqual(['r1']);
    const all = await store.getRuns('all', 1000);
    expect(all.map((record) => record.scheduledRunTime)).toEqual([...times].reverse());
    expect(all.every((record) => record.outcome === 'interrupted' && record.schedulerId === 'dead')).toBe(
      true,
    );
    // Within retention: the newest 200 are kept.
    expect(ids(await store.takeInterruptedRuns(new Date(T0 + 1), 1, 200))).toEqual(['r2']);
    const kept = await store.getRuns('kept', 1000);
    expect(kept.map((record) => record.scheduledRunTime)).toEqual(times.slice(100).reverse());
  });

  it('never gives back the lease of a run taken while its node beats', async () => {
    const prefix = newPrefix();
    const client = rawEtcd(server);
    clients.push(client);
    // Holds back the transaction that moves A's leases until the taker has taken what ran out.
    let armed = false;
    let moving = false;
    let letGo = () => {};
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    const spy = spyClient(client, async (request) => {
      const movesLeases = (request.success ?? []).some((op) =>
        op.request_put?.key.toString().startsWith(`${prefix}/held/`),
      );
      if (!armed || moving || !movesLeases) return;
      moving = true;
      await gate;
    });
    const [holder, taker] = await Promise.all([open(prefix, spy), open(prefix)]);
    const runs = Array.from({ length: 20 }, (_, i) =>
      makeActiveRun(`r${String(i).padStart(2, '0')}`, makeJob(`j${i}`, T0), 'A', {
        leaseUntil: new Date(T0 + i),
      }),
    );
    await holder.releaseJobs('A', [], runs);
    armed = true;
    // A's beat at T0 + 10 has read the runs it holds; meanwhile the ten whose lease ended are taken.
    const beat = holder.heartbeat(node('A'), new Date(T0 + 10), LEASE);
    await waitUntil(() => moving, "A's heartbeat to move its leases");
    const taken = await taker.takeInterruptedRuns(new Date(T0 + 10), 100, 10);
    expect(ids(taken)).toEqual(ids(runs.slice(0, 10)));
    letGo();
    await beat;
    const left = await holder.getActiveRuns();
    expect(ids(left)).toEqual(ids(runs.slice(10)));
    expect(left.every((run) => run.leaseUntil?.getTime() === T0 + 10 + LEASE)).toBe(true);
    // No key of a taken run came back: each held run has its two index keys, no more.
    expect(await raw.getAll().prefix(`${prefix}/held/`).keys()).toHaveLength(10);
    expect(await raw.getAll().prefix(`${prefix}/holders/`).keys()).toHaveLength(10);
    expect(await taker.takeInterruptedRuns(new Date(T0 + 20), 100, 10)).toEqual([]);
  });

  it('beats, releases and finishes in a request or two among 10,000 jobs, reading its own keys', async () => {
    const prefix = newPrefix();
    const puts: [string, string][] = [];
    for (let i = 0; i < 10_000; i++) {
      const job = makeJob(`job-${i}`, T0 + 60_000 + i);
      puts.push([`${prefix}/jobs/${job.id}`, JSON.stringify(serializeJob(job))]);
      puts.push([`${prefix}/due/${String(T0 + 60_000 + i).padStart(16, '0')}/${job.id}`, '']);
    }
    for (let i = 0; i < puts.length; i += 128) {
      const success = puts.slice(i, i + 128).map(([key, value]) => ({
        request_put: { key: Buffer.from(key), value: Buffer.from(value) },
      }));
      await raw.kv.txn({ success });
    }
    const client = rawEtcd(server);
    clients.push(client);
    const counting = spyClient(client);
    const store = await open(prefix, counting);
    const requests = async (work: () => Promise<unknown>) => {
      counting.requests.length = 0;
      await work();
      return counting.requests.splice(0);
    };

    // An idle node: one transaction, on its own node key and the prefix of the runs it holds.
    const idle = await requests(() => store.heartbeat(node('A'), new Date(T0), LEASE));
    expect(idle.map((request) => request.kind)).toEqual(['txn']);
    expect(
      idle[0]?.keys.every((key) => key.startsWith(`${prefix}/nodes/`) || key === `${prefix}/holders/A/`),
    ).toBe(true);

    // A due job released with its run: one transaction (claim and run of a job with no instance).
    const job = makeJob('due', T0);
    await store.addJob(job);
    await store.acquireDueJobs('A', new Date(T0), LEASE, 1);
    const next = new Date(T0 + 10_000);
    const release = await requests(() =>
      store.releaseJobs(
        'A',
        [{ id: 'due', nextRunTime: next, nextFireTime: next, remove: false }],
        [makeActiveRun('run', job, 'A')],
      ),
    );
    expect(release.map((request) => request.kind)).toEqual(['txn']);

    // A node that holds a run: the first transaction reads it, the second moves its lease with the beat.
    const busy = await requests(() => store.heartbeat(node('A'), new Date(T0 + 5000), LEASE));
    expect(busy.map((request) => request.kind)).toEqual(['txn', 'txn']);
    expect(busy.flatMap((request) => request.keys).some((key) => key.startsWith(`${prefix}/jobs/`))).toBe(
      false,
    );
    expect((await store.getActiveRuns())[0]?.leaseUntil?.getTime()).toBe(T0 + 5000 + LEASE);

    // Its outcome: one transaction for the run and its record, and the count of the job's records.
    const finish = await requests(() => store.finishRuns('A', ['run'], [makeRun('due', T0)], 10));
    expect(finish.map((request) => request.kind)).toEqual(['txn', 'txn']);
    expect(await store.getActiveRuns()).toEqual([]);
    expect(await store.getRuns('due', 10)).toHaveLength(1);
  }, 30_000);

  it('works on a prefix laid out by the previous version, adding its cluster keys', async () => {
    const prefix = newPrefix();
    const job = makeJob('old', T0);
    // As the version without runs in the store left it: schema 1, a job, its index key, a record.
    await raw.put(`${prefix}/version`).value('1');
    await raw.put(`${prefix}/jobs/old`).value(JSON.stringify(serializeJob(job)));
    await raw.put(`${prefix}/due/${String(T0).padStart(16, '0')}/old`).value('');
    const name = [T0 - 10_000, T0 - 9995, 1].map((n) => String(n).padStart(16, '0')).join('');
    await raw
      .put(`${prefix}/runs/old/${name}deadbeef`)
      .value(serializeRunRecord(makeRun('old', T0 - 10_000)));
    const store = await open(prefix);
    expect(await store.getActiveRuns()).toEqual([]);
    expect(await store.getNodes(new Date(T0))).toEqual([]);
    const [claimed] = await store.acquireDueJobs('A', new Date(T0), LEASE, 1);
    const next = new Date(T0 + 10_000);
    const result = await store.releaseJobs(
      'A',
      [{ id: 'old', nextRunTime: next, nextFireTime: next, remove: false }],
      [makeActiveRun('r', claimed as typeof job, 'A')],
    );
    expect(result).toEqual({ lost: [], refused: [] });
    await store.heartbeat(node('A'), new Date(T0), LEASE);
    expect((await store.getNodes(new Date(T0))).map((n) => n.id)).toEqual(['A']);
    await store.finishRuns('A', ['r'], [makeRun('old', T0)], 10);
    expect((await store.getRuns('old', 10)).map((record) => record.scheduledRunTime.getTime())).toEqual([
      T0,
      T0 - 10_000,
    ]);
    expect(await raw.get(`${prefix}/version`).string()).toBe('1');
  });

  it('passes over a run it cannot read, reports it once a minute, and keeps it', async () => {
    const prefix = newPrefix();
    const store = await open(prefix);
    const bad = makeJob('bad', T0);
    await store.releaseJobs(
      'S',
      [],
      [
        makeActiveRun('w-bad', bad, null, { createdAt: new Date(T0 - 1) }),
        makeActiveRun('w-good', makeJob('good', T0), null),
        makeActiveRun('h-bad', makeJob('bad2', T0), 'dead', { leaseUntil: new Date(T0 - 1) }),
        makeActiveRun('h-good', makeJob('good2', T0), 'dead', { leaseUntil: new Date(T0) }),
      ],
    );
    for (const [jobId, runId] of [
      ['bad', 'w-bad'],
      ['bad2', 'h-bad'],
    ] as const) {
      const key = `${prefix}/active/${jobId}/${runId}`;
      const stored = JSON.parse((await raw.get(key).string()) as string) as { job: unknown };
      stored.job = JSON.parse(unreadableDocument(JSON.stringify(stored.job)));
      await raw.put(key).value(JSON.stringify(stored));
    }
    const now = new Date(T0 + 1000);
    // Held past the minute below, so that only the unreadable runs are left to take.
    expect(ids(await store.acquireRuns('N', ['default'], now, 10 * LEASE, 10))).toEqual(['w-good']);
    expect(ids(await store.takeInterruptedRuns(now, 10, 10))).toEqual(['h-good']);
    expect(reports.map((report) => report.jobId)).toEqual(['bad', 'bad2']);
    // Passed over for a minute: not reported again, and still stored where it was.
    expect(await store.acquireRuns('N', ['default'], now, LEASE, 10)).toEqual([]);
    expect(await store.takeInterruptedRuns(now, 10, 10)).toEqual([]);
    expect(reports).toHaveLength(2);
    expect(await raw.getAll().prefix(`${prefix}/waiting/default/`).keys()).toHaveLength(1);
    expect(await raw.getAll().prefix(`${prefix}/holders/dead/`).keys()).toHaveLength(1);
    // A minute on, it is tried (and reported) again; the listing passes over it too.
    const later = new Date(T0 + 62_000);
    expect(await store.acquireRuns('N', ['default'], later, LEASE, 10)).toEqual([]);
    expect(await store.takeInterruptedRuns(later, 10, 10)).toEqual([]);
    expect(ids(await store.getActiveRuns())).toEqual(['w-good']);
    expect(reports.map((report) => report.jobId)).toEqual(['bad', 'bad2', 'bad', 'bad2', 'bad', 'bad2']);
    expect(await raw.getAll().prefix(`${prefix}/active/`).keys()).toHaveLength(3);
  });
});

/**
 * An etcd client that notes each request the store sends and the keys it names, and lets a test hold
 * a transaction back (`beforeTxn`) to order it against another process's.
 */
function spyClient(
  client: Etcd3,
  beforeTxn: (request: Parameters<EtcdClient['kv']['txn']>[0]) => Promise<void> = async () => {},
): EtcdClient & { requests: { kind: string; keys: string[] }[] } {
  const requests: { kind: string; keys: string[] }[] = [];
  const inner = client as unknown as EtcdClient;
  return {
    requests,
    kv: {
      range: (request, options) => {
        requests.push({ kind: 'range', keys: [request.key.toString()] });
        return inner.kv.range(request, options);
      },
      txn: async (request, options) => {
        const keys = [
          ...(request.compare ?? []).map((compare) => compare.key.toString()),
          ...[...(request.success ?? []), ...(request.failure ?? [])].map((op) =>
            (op.request_put?.key ?? op.request_range?.key ?? op.request_delete_range?.key ?? '').toString(),
          ),
        ];
        requests.push({ kind: 'txn', keys });
        await beforeTxn(request);
        return inner.kv.txn(request, options);
      },
    },
    leaseClient: inner.leaseClient,
    watch: () => inner.watch(),
  };
}
