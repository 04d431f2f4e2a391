// The cluster half of the JobStore contract (src/stores/job-store.ts): runs kept in the store from
// claim to outcome (`releaseJobs` with runs, `acquireRuns`, `finishRuns`), `maxInstances` counted in
// the store, node heartbeats, and interrupted runs (`takeInterruptedRuns`). Run by
// `runJobStoreConformance` for every store, so each of them keeps the same promises.
import { describe, expect, it } from 'vitest';
import type { JobState } from '../../src/job-state.js';
import type { ActiveRun, JobRelease, JobStore, NodeRecord } from '../../src/stores/job-store.js';
import { T0, makeJob, makeRun, plainJob } from '../helpers/jobs.js';

const A = 'node-a';
const B = 'node-b';
const LEASE = 30_000;

export interface ClusterFixture {
  store(): JobStore;
}

/** A run of `job` held by `node` (or waiting when `node` is null). */
export function makeActiveRun(
  id: string,
  job: JobState,
  node: string | null,
  overrides: Partial<ActiveRun> = {},
): ActiveRun {
  return {
    id,
    job,
    scheduledRunTimes: [new Date(job.nextRunTime?.getTime() ?? T0)],
    node,
    leaseUntil: node === null ? null : new Date(T0 + LEASE),
    manual: false,
    recovery: false,
    createdAt: new Date(T0),
    ...overrides,
  };
}

function makeNode(id: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id,
    role: 'both',
    hostname: 'host-1',
    pid: 4242,
    startedAt: new Date(T0 - 5000),
    lastHeartbeat: new Date(T0),
    expiresAt: new Date(T0 + LEASE),
    executors: ['default', 'cpu'],
    ...overrides,
  };
}

/** What a release of a job that runs again in 10 s looks like. */
function nextIn10s(job: JobState): JobRelease {
  const next = new Date((job.nextRunTime?.getTime() ?? T0) + 10_000);
  return { id: job.id, nextRunTime: next, nextFireTime: next, remove: false };
}

/** A run as `toEqual` compares it: job as plain data, dates as epoch ms. */
function plainRun(run: ActiveRun): Record<string, unknown> {
  return {
    ...run,
    job: plainJob(run.job),
    scheduledRunTimes: run.scheduledRunTimes.map((time) => time.getTime()),
    leaseUntil: run.leaseUntil?.getTime() ?? null,
    createdAt: run.createdAt.getTime(),
  };
}

const runIds = (runs: ActiveRun[]) => runs.map((run) => run.id);

export function clusterTests(fixture: ClusterFixture): void {
  describe('runs in the store (cluster)', () => {
    /** Adds a due job and claims it for `node`. */
    const claimed = async (job: JobState, node = A): Promise<JobState> => {
      const store = fixture.store();
      await store.addJob(job);
      const [got] = await store.acquireDueJobs(node, new Date(T0), LEASE, 10);
      expect(got?.id).toBe(job.id);
      return got as JobState;
    };

    it('stores the runs of a release with it, and keeps every field of the run and its job', async () => {
      const store = fixture.store();
      const job = await claimed(
        makeJob('j', T0, {
          args: [1, { two: [2] }],
          maxInstances: 3,
          requestsRecovery: true,
          executor: 'cpu',
          timeout: 4,
        }),
      );
      const run = makeActiveRun('run-1', job, A, {
        scheduledRunTimes: [new Date(T0 - 1000), new Date(T0)],
        manual: false,
      });
      const result = await store.releaseJobs(A, [nextIn10s(job)], [run]);
      expect(result).toEqual({ lost: [], refused: [] });
      const [stored, ...rest] = await store.getActiveRuns();
      expect(rest).toEqual([]);
      expect(plainRun(stored as ActiveRun)).toEqual(plainRun(run));
      expect(stored?.job.requestsRecovery).toBe(true);
      expect((await store.lookupJob('j'))?.nextRunTime?.getTime()).toBe(T0 + 10_000);
    });

    it('keeps the run of a one-shot job the release deletes', async () => {
      const store = fixture.store();
      const job = await claimed(makeJob('once', T0));
      const result = await store.releaseJobs(
        A,
        [{ id: 'once', nextRunTime: null, nextFireTime: null, remove: true }],
        [makeActiveRun('r-once', job, A)],
      );
      expect(result).toEqual({ lost: [], refused: [] });
      expect(await store.lookupJob('once')).toBeNull();
      expect(runIds(await store.getActiveRuns())).toEqual(['r-once']);
    });

    it('stores no run of a release the caller no longer holds (lost)', async () => {
      const store = fixture.store();
      const job = await claimed(makeJob('j', T0));
      // A user's change ends A's lease.
      await store.updateJob(makeJob('j', T0 + 5000, { name: 'changed' }));
      const result = await store.releaseJobs(A, [nextIn10s(job)], [makeActiveRun('r1', job, A)]);
      expect(result).toEqual({ lost: ['j'], refused: [] });
      expect(await store.getActiveRuns()).toEqual([]);
      expect((await store.lookupJob('j'))?.nextRunTime?.getTime()).toBe(T0 + 5000);
    });

    it('stores no run for a scheduler that never held the job', async () => {
      const store = fixture.store();
      const job = await claimed(makeJob('j', T0), A);
      const result = await store.releaseJobs(B, [nextIn10s(job)], [makeActiveRun('r1', job, B)]);
      expect(result.lost).toEqual(['j']);
      expect(await store.getActiveRuns()).toEqual([]);
    });

    it('counts maxInstances in the store, across nodes and within one call', async () => {
      const store = fixture.store();
      const job = await claimed(makeJob('j', T0, { maxInstances: 2 }));
      // A run by hand on node B: no release, counted all the same.
      expect(await store.releaseJobs(B, [], [makeActiveRun('manual-b', job, B, { manual: true })])).toEqual({
        lost: [],
        refused: [],
      });
      const result = await store.releaseJobs(
        A,
        [nextIn10s(job)],
        [makeActiveRun('a1', job, A), makeActiveRun('a2', job, A)],
      );
      expect(result).toEqual({ lost: [], refused: ['a2'] });
      expect(runIds(await store.getActiveRuns()).sort()).toEqual(['a1', 'manual-b']);
      // The release itself was stored although a run was refused.
      expect((await store.lookupJob('j'))?.nextRunTime?.getTime()).toBe(T0 + 10_000);
    });

    it('counts waiting runs as instances too, and frees a slot when a run finishes', async () => {
      const store = fixture.store();
      const job = makeJob('j', T0, { maxInstances: 1 });
      await store.addJob(job);
      expect((await store.releaseJobs(A, [], [makeActiveRun('w1', job, null)])).refused).toEqual([]);
      expect((await store.releaseJobs(A, [], [makeActiveRun('w2', job, null)])).refused).toEqual(['w2']);
      const [taken] = await store.acquireRuns(B, ['default'], new Date(T0), LEASE, 10);
      expect(taken?.id).toBe('w1');
      await store.finishRuns(B, ['w1'], [], 10);
      expect((await store.releaseJobs(A, [], [makeActiveRun('w3', job, null)])).refused).toEqual([]);
    });

    it('hands waiting runs out oldest first, for the listed executors only, up to the limit', async () => {
      const store = fixture.store();
      const onDefault = makeJob('d', T0);
      const onCpu = makeJob('c', T0, { executor: 'cpu', maxInstances: 5 });
      await store.releaseJobs(
        A,
        [],
        [
          makeActiveRun('late', onDefault, null, { createdAt: new Date(T0 + 20) }),
          makeActiveRun('cpu-1', onCpu, null, { createdAt: new Date(T0 + 5) }),
          makeActiveRun('held', onCpu, A),
        ],
      );
      await store.releaseJobs(
        A,
        [],
        [makeActiveRun('early', makeJob('e', T0), null, { createdAt: new Date(T0 + 1) })],
      );
      const now = new Date(T0 + 100);
      const first = await store.acquireRuns(B, ['default'], now, LEASE, 1);
      expect(runIds(first)).toEqual(['early']);
      expect(first[0]?.node).toBe(B);
      expect(first[0]?.leaseUntil?.getTime()).toBe(T0 + 100 + LEASE);
      expect(runIds(await store.acquireRuns(B, ['default'], now, LEASE, 10))).toEqual(['late']);
      expect(await store.acquireRuns(B, ['default'], now, LEASE, 10)).toEqual([]);
      expect(runIds(await store.acquireRuns(B, ['cpu', 'default'], now, LEASE, 10))).toEqual(['cpu-1']);
      const held = (await store.getActiveRuns()).map((run) => [run.id, run.node]);
      expect(held.sort()).toEqual([
        ['cpu-1', B],
        ['early', B],
        ['held', A],
        ['late', B],
      ]);
    });

    it('never hands one waiting run to two concurrent callers', async () => {
      const store = fixture.store();
      const runs: ActiveRun[] = [];
      for (let i = 0; i < 12; i++) {
        runs.push(makeActiveRun(`w${String(i).padStart(2, '0')}`, makeJob(`j${i}`, T0), null));
      }
      await store.releaseJobs(A, [], runs);
      const now = new Date(T0);
      const [a, b] = await Promise.all([
        store.acquireRuns(A, ['default'], now, LEASE, 12),
        store.acquireRuns(B, ['default'], now, LEASE, 12),
      ]);
      const all = [...runIds(a), ...runIds(b)].sort();
      expect(all).toEqual(runIds(runs));
    });

    it('finishes the runs a node holds with their records, and passes over the others', async () => {
      const store = fixture.store();
      const job = makeJob('j', T0, { maxInstances: 5 });
      await store.addJob(job);
      await store.releaseJobs(A, [], [makeActiveRun('mine', job, A), makeActiveRun('theirs', job, B)]);
      const record = makeRun('j', T0, { schedulerId: A });
      await store.finishRuns(A, ['mine', 'theirs', 'never-stored'], [record], 10);
      expect(runIds(await store.getActiveRuns())).toEqual(['theirs']);
      const [kept] = await store.getRuns('j', 10);
      expect(kept?.schedulerId).toBe(A);
      expect(kept?.outcome).toBe('success');
      // Records alone, with no run to end.
      await store.finishRuns(A, [], [makeRun('j', T0 + 1000)], 10);
      expect((await store.getRuns('j', 10)).length).toBe(2);
    });

    it('keeps an interrupted run record', async () => {
      const store = fixture.store();
      await store.addRun(
        makeRun('j', T0, { outcome: 'interrupted', startedAt: null, finishedAt: null, schedulerId: 'dead' }),
        10,
      );
      const [record] = await store.getRuns('j', 10);
      expect(record).toMatchObject({ outcome: 'interrupted', schedulerId: 'dead', startedAt: null });
    });
  });

  describe('nodes (cluster)', () => {
    it('keeps a node by its heartbeat and lists the live ones by id', async () => {
      const store = fixture.store();
      await store.heartbeat(makeNode(B, { role: 'worker' }), new Date(T0), LEASE);
      await store.heartbeat(makeNode(A), new Date(T0), LEASE);
      const nodes = await store.getNodes(new Date(T0 + 1000));
      expect(nodes.map((node) => node.id)).toEqual([A, B]);
      expect(nodes[1]).toEqual(
        makeNode(B, { role: 'worker', lastHeartbeat: new Date(T0), expiresAt: new Date(T0 + LEASE) }),
      );
      // A later beat replaces the earlier one.
      await store.heartbeat(makeNode(A), new Date(T0 + 5000), LEASE);
      const [a] = await store.getNodes(new Date(T0 + 5000));
      expect(a?.lastHeartbeat.getTime()).toBe(T0 + 5000);
      expect(a?.expiresAt.getTime()).toBe(T0 + 5000 + LEASE);
      // B has not beaten since T0: past its expiry it is not listed.
      expect((await store.getNodes(new Date(T0 + LEASE + 1))).map((node) => node.id)).toEqual([A]);
    });

    it('prunes nodes dead for longer than a lease, and removes a node that shuts down', async () => {
      const store = fixture.store();
      await store.heartbeat(makeNode(B), new Date(T0), LEASE);
      await store.heartbeat(makeNode('node-c'), new Date(T0), LEASE);
      await store.removeNode('node-c');
      await store.heartbeat(makeNode(A), new Date(T0 + 2 * LEASE + 1), LEASE);
      // Asked about a time when B was alive: B is gone all the same, pruned by A's beat.
      expect((await store.getNodes(new Date(T0))).map((node) => node.id)).toEqual([A]);
    });

    it('extends the leases of the runs its node holds, and no others', async () => {
      const store = fixture.store();
      const job = makeJob('j', T0, { maxInstances: 5 });
      await store.addJob(job);
      await store.releaseJobs(
        A,
        [],
        [makeActiveRun('a', job, A), makeActiveRun('b', job, B), makeActiveRun('w', job, null)],
      );
      await store.heartbeat(makeNode(A), new Date(T0 + 10_000), LEASE);
      const leases = Object.fromEntries(
        (await store.getActiveRuns()).map((run) => [run.id, run.leaseUntil?.getTime() ?? null]),
      );
      expect(leases).toEqual({ a: T0 + 10_000 + LEASE, b: T0 + LEASE, w: null });
    });
  });

  describe('interrupted runs (cluster)', () => {
    it('takes the runs whose lease ran out: deleted, or put back once for a job that asks', async () => {
      const store = fixture.store();
      const plain = makeJob('plain', T0);
      const recover = makeJob('recover', T0, { requestsRecovery: true });
      const recovered = makeJob('again', T0, { requestsRecovery: true });
      for (const job of [plain, recover, recovered]) await store.addJob(job);
      await store.releaseJobs(
        A,
        [],
        [
          makeActiveRun('r-plain', plain, A, { leaseUntil: new Date(T0 + 1000) }),
          makeActiveRun('r-recover', recover, A, { leaseUntil: new Date(T0 + 2000) }),
          makeActiveRun('r-again', recovered, A, { leaseUntil: new Date(T0 + 500), recovery: true }),
          makeActiveRun('r-live', makeJob('live', T0), B, { leaseUntil: new Date(T0 + 60_000) }),
          makeActiveRun('r-waiting', makeJob('waiting', T0), null),
        ],
      );
      const now = new Date(T0 + 5000);
      const taken = await store.takeInterruptedRuns(now, 10, 10);
      expect(taken.map((run) => [run.id, run.node, run.leaseUntil?.getTime(), run.requeued])).toEqual([
        ['r-again', A, T0 + 500, false],
        ['r-plain', A, T0 + 1000, false],
        ['r-recover', A, T0 + 2000, true],
      ]);
      expect(taken[2]?.job.id).toBe('recover');
      // Taken once only.
      expect(await store.takeInterruptedRuns(now, 10, 10)).toEqual([]);
      const left = await store.getActiveRuns();
      const back = left.find((run) => run.id === 'r-recover') as ActiveRun;
      expect(back).toMatchObject({ node: null, leaseUntil: null, recovery: true });
      expect(back.createdAt.getTime()).toBe(now.getTime());
      expect(runIds(left).sort()).toEqual(['r-live', 'r-recover', 'r-waiting']);
      // The recovery run waits for any node, and is never recovered twice.
      const [again] = await store.acquireRuns(B, ['default'], now, 1000, 1);
      expect(again?.id).toBe('r-waiting');
      const [recovery] = await store.acquireRuns(B, ['default'], now, 1000, 1);
      expect(recovery).toMatchObject({ id: 'r-recover', recovery: true, node: B });
      const later = await store.takeInterruptedRuns(new Date(now.getTime() + 2000), 10, 10);
      expect(later.map((run) => [run.id, run.requeued]).sort()).toEqual([
        ['r-recover', false],
        ['r-waiting', false],
      ]);
    });

    it('records each run time of a run it takes as interrupted, in the same step, under its node', async () => {
      const store = fixture.store();
      const job = makeJob('j', T0, { maxInstances: 5 });
      await store.addJob(job);
      await store.releaseJobs(
        A,
        [],
        [
          makeActiveRun('r', job, A, {
            leaseUntil: new Date(T0 + 10),
            scheduledRunTimes: [new Date(T0 - 1000), new Date(T0)],
          }),
          makeActiveRun('m', job, B, { leaseUntil: new Date(T0 + 10), manual: true }),
          makeActiveRun('quiet', makeJob('q', T0), B, { leaseUntil: new Date(T0 + 15) }),
        ],
      );
      await store.addRun(makeRun('j', T0 - 5000), 10);
      const taken = await store.takeInterruptedRuns(new Date(T0 + 20), 2, 10);
      expect(runIds(taken)).toEqual(['m', 'r']);
      const records = await store.getRuns('j', 10);
      expect(
        records.map((record) => [
          record.scheduledRunTime.getTime() - T0,
          record.outcome,
          record.schedulerId,
          record.startedAt,
          record.finishedAt,
          record.manual === true,
        ]),
      ).toEqual([
        [0, 'interrupted', A, null, null, false],
        [0, 'interrupted', B, null, null, true],
        [-1000, 'interrupted', A, null, null, false],
        [-5000, 'success', 'scheduler-a', new Date(T0 - 4995), new Date(T0 - 4975), false],
      ]);
      // Retention as for addRuns; none with 0.
      await store.takeInterruptedRuns(new Date(T0 + 20), 10, 0);
      expect(await store.getRuns('q', 10)).toEqual([]);
      expect(await store.getActiveRuns()).toEqual([]);
    });

    it('takes at most the limit, and never one run for two concurrent callers', async () => {
      const store = fixture.store();
      const runs: ActiveRun[] = [];
      for (let i = 0; i < 10; i++) {
        runs.push(makeActiveRun(`r${i}`, makeJob(`j${i}`, T0), A, { leaseUntil: new Date(T0 + 100 + i) }));
      }
      await store.releaseJobs(A, [], runs);
      const now = new Date(T0 + 1000);
      expect(runIds(await store.takeInterruptedRuns(now, 3, 10))).toEqual(['r0', 'r1', 'r2']);
      const [x, y] = await Promise.all([
        store.takeInterruptedRuns(now, 10, 10),
        store.takeInterruptedRuns(now, 10, 10),
      ]);
      const all = [...runIds(x), ...runIds(y)].sort();
      expect(all).toEqual(['r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    });

    it('no longer lets a node finish a run taken from it, and frees its instance', async () => {
      const store = fixture.store();
      const job = makeJob('j', T0, { maxInstances: 1 });
      await store.addJob(job);
      await store.releaseJobs(A, [], [makeActiveRun('r', job, A, { leaseUntil: new Date(T0 + 10) })]);
      await store.takeInterruptedRuns(new Date(T0 + 20), 10, 10);
      // The slot is free again for another node.
      expect((await store.releaseJobs(B, [], [makeActiveRun('r2', job, B)])).refused).toEqual([]);
      await store.finishRuns(A, ['r2'], [], 10);
      expect(runIds(await store.getActiveRuns())).toEqual(['r2']);
    });
  });
}
