// What the conformance suite cannot show of the Redis store's cluster half (runs in progress, nodes,
// interrupted runs): two stores on two connections, as two processes have, racing each other; a
// prefix laid out by the version before runs were stored; stored runs this process cannot read;
// and what a heartbeat costs. On a single Redis and on a Redis Cluster, whichever are configured.
// (`redis-cluster.test.ts` is about Redis Cluster as a server, not about clusters of schedulers.)
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import type { ActiveRun, JobStoreContext, NodeRecord } from '../../../src/stores/job-store.js';
import { RedisJobStore, type RedisClient } from '../../../src/stores/redis/index.js';
import { unreadableDocument } from '../../helpers/sql.js';
import { T0, collectingLogger, makeJob } from '../../helpers/jobs.js';
import { serviceUrl } from '../../helpers/services.js';
import { makeActiveRun } from '../../conformance/cluster.suite.js';
import { deleteClusterKeys, openCluster } from './redis-cluster-env.js';
import { deleteKeys, randomPrefix } from './redis-test-env.js';

const LEASE = 30_000;

interface Target {
  name: string;
  url: string;
  cluster: boolean;
}
const targets = [
  { name: 'Redis', url: serviceUrl('redis'), cluster: false },
  { name: 'Redis Cluster', url: serviceUrl('redisCluster'), cluster: true },
].filter((target): target is Target => target.url !== undefined);
// Without either server the suite is skipped; `each` still needs a row to make it from.
const rows: Target[] = targets.length > 0 ? targets : [{ name: 'Redis', url: '', cluster: false }];

function node(id: string): NodeRecord {
  return {
    id,
    role: 'both',
    hostname: 'host',
    pid: 1,
    startedAt: new Date(T0),
    lastHeartbeat: new Date(T0),
    expiresAt: new Date(T0 + LEASE),
    executors: ['default'],
  };
}

const ids = (runs: { id: string }[]) => runs.map((run) => run.id);

/** A stored job as the Redis store writes it (`makeJob(id, time)`), for writing many at once. */
const document = (id: string, time = T0) =>
  `{"nextRunTime":${time},"nextFireTime":${time},"version":1,"id":"${id}","name":"job ${id}",` +
  '"func":"tests/fixtures/tasks.js:noop","trigger":{"type":"interval","version":1,"intervalMs":10000,' +
  '"startDate":"2026-01-01T00:00:00.000Z","endDate":null,"timezone":"UTC","jitter":null},' +
  '"executor":"default","args":[],"misfireGraceTime":1,"coalesce":true,"maxInstances":1,' +
  '"timeout":null,"retry":null}';

describe.skipIf(targets.length === 0).each(rows)(
  '$name: runs and nodes of a cluster of schedulers',
  (target) => {
    const runPrefix = randomPrefix('runs-cluster');
    let count = 0;
    const stores: RedisJobStore[] = [];
    const raws: { quit(): Promise<unknown> }[] = [];

    /** A store on a connection of its own, with what it reports as unreadable. */
    const open = async (prefix: string, client?: RedisClient) => {
      const reported: string[] = [];
      const logger = collectingLogger();
      const context: JobStoreContext = {
        alias: 'default',
        clock: new SystemClock(),
        logger,
        reportUnreadableJob: (id) => reported.push(id),
      };
      const store = new RedisJobStore(
        client === undefined ? { url: target.url, prefix } : { client, prefix },
      );
      stores.push(store);
      await store.start(context);
      return { store, reported, logger };
    };
    /** Two stores on one prefix, each on its own connection, as two processes. */
    const pair = async () => {
      const prefix = `${runPrefix}${++count}:`;
      return [(await open(prefix)).store, (await open(prefix)).store] as const;
    };
    /** A plain connection for reading and writing the store's keys directly. */
    const raw = async (): Promise<Redis | Awaited<ReturnType<typeof openCluster>>> => {
      const client = target.cluster ? await openCluster(target.url) : new Redis(target.url);
      raws.push(client);
      return client;
    };

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.shutdown()));
      await Promise.all(raws.splice(0).map((client) => client.quit()));
    });
    afterAll(async () => {
      if (target.cluster) await deleteClusterKeys(target.url, `{${runPrefix}`);
      else await deleteKeys(target.url, runPrefix);
    });

    it('stores at most maxInstances runs of a job when two processes store runs of it at once', async () => {
      const [a, b] = await pair();
      const jobs = Array.from({ length: 40 }, (_, i) => makeJob(`j${i}`, T0, { maxInstances: 1 }));
      for (const job of jobs) await a.addJob(job);
      expect(await a.acquireDueJobs('node-a', new Date(T0), LEASE, 100)).toHaveLength(40);
      const releases = jobs.map((job) => ({
        id: job.id,
        nextRunTime: new Date(T0 + 10_000),
        nextFireTime: new Date(T0 + 10_000),
        remove: false,
      }));
      // A releases all its claims with a run of each in one call, while B starts each job by hand.
      const [fromA, ...fromB] = await Promise.all([
        a.releaseJobs(
          'node-a',
          releases,
          jobs.map((job) => makeActiveRun(`a-${job.id}`, job, 'node-a')),
        ),
        ...jobs.map((job) => b.releaseJobs('node-b', [], [makeActiveRun(`b-${job.id}`, job, 'node-b')])),
      ]);
      expect(fromA?.lost).toEqual([]);
      const refused = [...(fromA?.refused ?? []), ...fromB.flatMap((result) => result.refused)];
      expect(refused).toHaveLength(40);
      const stored = await b.getActiveRuns();
      expect(stored).toHaveLength(40);
      expect(new Set(stored.map((run) => run.job.id)).size).toBe(40);
      expect(ids(stored).filter((id) => refused.includes(id))).toEqual([]);
      // Each finish frees its job's one slot again, whichever process held the run.
      for (const holder of ['node-a', 'node-b']) {
        await a.finishRuns(holder, ids(stored), [], 10);
      }
      const again = await b.releaseJobs(
        'node-b',
        [],
        jobs.map((job) => makeActiveRun(`c-${job.id}`, job, 'node-b')),
      );
      expect(again.refused).toEqual([]);
    });

    it('hands each waiting run to one node when several on two connections acquire at once', async () => {
      const [a, b] = await pair();
      const runs = Array.from({ length: 300 }, (_, i) =>
        makeActiveRun(
          `w${String(i).padStart(3, '0')}`,
          makeJob(`j${i}`, T0, { executor: i % 3 ? 'default' : 'cpu' }),
          null,
          {
            createdAt: new Date(T0 + (i % 17)),
          },
        ),
      );
      expect((await a.releaseJobs('client', [], runs)).refused).toEqual([]);
      const taken = new Map<string, string>();
      const acquire = async (store: RedisJobStore, nodeId: string) => {
        for (;;) {
          const got = await store.acquireRuns(nodeId, ['default', 'cpu'], new Date(T0 + 100), LEASE, 7);
          if (got.length === 0) return;
          for (const run of got) {
            expect(taken.get(run.id), `${run.id} handed out twice`).toBeUndefined();
            expect(run.node).toBe(nodeId);
            taken.set(run.id, nodeId);
          }
        }
      };
      await Promise.all([
        ...['a1', 'a2', 'a3'].map((id) => acquire(a, id)),
        ...['b1', 'b2', 'b3'].map((id) => acquire(b, id)),
      ]);
      expect([...taken.keys()].sort()).toEqual(ids(runs));
      const held = await a.getActiveRuns();
      expect(held.every((run) => run.node === taken.get(run.id))).toBe(true);
    });

    it('takes each interrupted run once when several on two connections take at once', async () => {
      const [a, b] = await pair();
      const runs = Array.from({ length: 200 }, (_, i) =>
        makeActiveRun(
          `r${String(i).padStart(3, '0')}`,
          makeJob(`j${i}`, T0, { requestsRecovery: i % 2 === 0 }),
          'dead',
          {
            leaseUntil: new Date(T0 + i),
          },
        ),
      );
      await a.releaseJobs('dead', [], runs);
      const now = new Date(T0 + 10_000);
      const taken = new Map<string, boolean>();
      const take = async (store: RedisJobStore) => {
        for (;;) {
          const got = await store.takeInterruptedRuns(now, 9, 10);
          if (got.length === 0) return;
          for (const run of got) {
            expect(taken.has(run.id), `${run.id} taken twice`).toBe(false);
            expect(run.node).toBe('dead');
            taken.set(run.id, run.requeued);
          }
        }
      };
      await Promise.all([take(a), take(a), take(a), take(b), take(b), take(b)]);
      expect([...taken.keys()].sort()).toEqual(ids(runs));
      const back = await b.getActiveRuns();
      expect(back.map((run) => run.job.id).sort()).toEqual(
        runs
          .filter((_, i) => i % 2 === 0)
          .map((run) => run.job.id)
          .sort(),
      );
      expect(
        back.every((run) => run.recovery && run.node === null && run.createdAt.getTime() === now.getTime()),
      ).toBe(true);
      expect([...taken.values()].filter(Boolean)).toHaveLength(100);
      // Recorded once each, by the caller that took it.
      const records = await Promise.all(runs.map((run) => a.getRuns(run.job.id, 10)));
      expect(records.map((list) => list.map((record) => [record.outcome, record.schedulerId]))).toEqual(
        runs.map(() => [['interrupted', 'dead']]),
      );
    });

    it('works on a prefix laid out before runs were stored, with a claim of that version held', async () => {
      const prefix = `${runPrefix}${++count}:`;
      const keyPrefix = target.cluster ? `{${prefix}}` : prefix;
      // As the Redis store wrote them up to the version before the cluster contract: version 1, jobs,
      // the next-run index, and a lease an older scheduler holds, with no key of runs or nodes.
      const client = await raw();
      await client.set(`${keyPrefix}version`, '1');
      await client.hset(`${keyPrefix}jobs`, 'free', document('free'), 'held', document('held'));
      await client.zadd(`${keyPrefix}next`, T0, 'free');
      await client.zadd(`${keyPrefix}leased`, T0 + LEASE, 'held');
      await client.hset(`${keyPrefix}holders`, 'held', `${T0}|old-scheduler`);

      const { store } = await open(prefix);
      const [free] = await store.acquireDueJobs('new-node', new Date(T0), LEASE, 10);
      expect(free?.id).toBe('free');
      const next = new Date(T0 + 10_000);
      const release = (id: string) => ({ id, nextRunTime: next, nextFireTime: next, remove: false });
      // The older scheduler's claim ends with this version's release, as after an upgrade in place.
      expect(
        await store.releaseJobs(
          'old-scheduler',
          [release('held')],
          [makeActiveRun('run-held', makeJob('held', T0), 'old-scheduler')],
        ),
      ).toEqual({ lost: [], refused: [] });
      expect(
        await store.releaseJobs(
          'new-node',
          [release('free')],
          [makeActiveRun('run-free', makeJob('free', T0), null)],
        ),
      ).toEqual({ lost: [], refused: [] });
      expect((await store.getAllJobs()).map((job) => [job.id, job.nextRunTime?.getTime()])).toEqual([
        ['free', next.getTime()],
        ['held', next.getTime()],
      ]);
      await store.heartbeat(node('new-node'), new Date(T0), LEASE);
      expect(ids(await store.getNodes(new Date(T0)))).toEqual(['new-node']);
      expect(ids(await store.acquireRuns('new-node', ['default'], new Date(T0), LEASE, 10))).toEqual([
        'run-free',
      ]);
      await store.finishRuns('new-node', ['run-free'], [], 10);
      expect(ids(await store.getActiveRuns())).toEqual(['run-held']);
      expect(await client.get(`${keyPrefix}version`)).toBe('1');
    });

    it('skips, reports and keeps a stored run it cannot read, and does not spin on it', async () => {
      const prefix = `${runPrefix}${++count}:`;
      const { store, reported, logger } = await open(prefix);
      const keyPrefix = store.keyPrefix;
      const bad = makeJob('bad', T0, { maxInstances: 1 });
      const badHeld = makeJob('bad-held', T0, { maxInstances: 1 });
      await store.releaseJobs(
        'client',
        [],
        [
          makeActiveRun('w-bad', bad, null),
          makeActiveRun('w-good', makeJob('good', T0), null, { createdAt: new Date(T0 + 1) }),
          makeActiveRun('h-bad', badHeld, 'dead', { leaseUntil: new Date(T0 + 10) }),
          makeActiveRun('h-good', makeJob('good-held', T0), 'dead', { leaseUntil: new Date(T0 + 20) }),
        ],
      );
      const client = await raw();
      await client.hset(`${keyPrefix}active:w-bad`, 'doc', 'not json');
      // A run of a job whose trigger type this process does not know (a newer Horae's, say).
      const held = JSON.parse((await client.hget(`${keyPrefix}active:h-bad`, 'doc')) as string) as {
        job: unknown;
      };
      const unknownTrigger = JSON.stringify({
        ...held,
        job: JSON.parse(unreadableDocument(JSON.stringify(held.job))) as unknown,
      });
      await client.hset(`${keyPrefix}active:h-bad`, 'doc', unknownTrigger);

      expect(ids(await store.getActiveRuns())).toEqual(['h-good', 'w-good']);
      expect(reported.sort()).toEqual(['bad', 'bad-held']);
      reported.length = 0;

      // Acquired once, reported once, then set aside: the next acquire neither gets nor reports it.
      const now = new Date(T0 + 100);
      expect(ids(await store.acquireRuns('node-a', ['default'], now, LEASE, 10))).toEqual(['w-good']);
      expect(reported).toEqual(['bad']);
      expect(await store.acquireRuns('node-b', ['default'], now, LEASE, 10)).toEqual([]);
      expect(reported).toEqual(['bad']);
      // Still stored, and still an instance of its job.
      expect(
        (await store.releaseJobs('node-b', [], [makeActiveRun('w-bad-2', bad, 'node-b')])).refused,
      ).toEqual(['w-bad-2']);
      // Tried again once the minute is over.
      expect(
        await store.acquireRuns('node-b', ['default'], new Date(now.getTime() + 60_001), LEASE, 10),
      ).toEqual([]);
      expect(reported).toEqual(['bad', 'bad']);

      // Interrupted: the readable run is taken, the other reported once and kept.
      reported.length = 0;
      const taken = await store.takeInterruptedRuns(now, 10, 10);
      expect(ids(taken)).toEqual(['h-good']);
      expect(reported).toEqual(['bad-held']);
      expect(await store.takeInterruptedRuns(now, 10, 10)).toEqual([]);
      expect(reported).toEqual(['bad-held']);
      expect(await client.hget(`${keyPrefix}active:h-bad`, 'doc')).toBe(unknownTrigger);
      expect(await client.hget(`${keyPrefix}active:w-bad`, 'doc')).toBe('not json');
      expect(logger.lines.filter((line) => line.level === 'error')[0]?.message).toContain(
        `key ${keyPrefix}active:`,
      );
    });

    it("beats in one script call for an idle node, with 10,000 jobs and others' runs stored", async () => {
      const prefix = `${runPrefix}${++count}:`;
      const { store: filler } = await open(prefix);
      const connection = await raw();
      const jobIds = Array.from({ length: 10_000 }, (_, i) => `job-${i}`);
      await connection.hset(
        `${filler.keyPrefix}jobs`,
        ...jobIds.flatMap((id, i) => [id, document(id, T0 + i)]),
      );
      await connection.zadd(`${filler.keyPrefix}next`, ...jobIds.flatMap((id, i) => [T0 + i, id]));
      expect(
        (await filler.acquireDueJobs('other', new Date(T0 + 1), LEASE, 10)).map((job) => job.id),
      ).toEqual(['job-0', 'job-1']);
      const others: ActiveRun[] = Array.from({ length: 1000 }, (_, i) =>
        makeActiveRun(`other-${i}`, makeJob(`job-${i}`, T0), `other-${i % 10}`),
      );
      await filler.releaseJobs('other', [], others);
      const commands: string[] = [];
      const counting: RedisClient = {
        call: (command, ...args) => {
          commands.push(command);
          return connection.call(command, ...args);
        },
        isCluster: target.cluster,
      };
      const { store } = await open(prefix, counting);
      // The first beat may send the script in full (to a node that has not cached it yet).
      await store.heartbeat(node('idle'), new Date(T0), LEASE);
      commands.length = 0;
      await store.heartbeat(node('idle'), new Date(T0 + 1000), LEASE);
      expect(commands).toEqual(['EVALSHA']);
      // Its beat moved no one else's lease.
      const leases = (await store.getActiveRuns()).map((run) => run.leaseUntil?.getTime());
      expect(new Set(leases)).toEqual(new Set([T0 + LEASE]));
    });
  },
);
