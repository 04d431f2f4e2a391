// What the ZooKeeper store does beyond the shared contract: the watch that wakes a scheduler when
// another process stores a job, the layout it leaves in ZooKeeper (an index entry per scheduled
// job, none for a leased or paused one), and its refusal of a root laid out by another version.
import type zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { Scheduler, currentJob, silentLogger } from '../../../src/index.js';
import { FakeClock } from '../../../src/testing.js';
import { ZooKeeperJobStore } from '../../../src/stores/zookeeper/index.js';
import { makeJob, T0 } from '../../helpers/jobs.js';
import { blackHole } from '../../helpers/proxy.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import {
  dropRoot,
  getChildren,
  getData,
  rawZooKeeper,
  removeTree,
  setData,
  zkRoot,
  zkUrl,
} from '../../helpers/zookeeper.js';

const url = serviceUrl('zookeeper');

describe.skipIf(url === undefined)('ZooKeeper job store', () => {
  const server = url as string;
  const root = zkRoot(url, 'store');
  let raw: zookeeper.Client;
  let count = 0;
  const storeAt = () => new ZooKeeperJobStore({ url: zkUrl(server, `${root}/${++count}`) });
  const context = () => ({ alias: 'default', clock: new FakeClock(T0), logger: silentLogger });

  /** The names of every entry in the store's due-time index. */
  const indexEntries = async (store: ZooKeeperJobStore) => {
    const found: string[] = [];
    for (const bucket of await getChildren(raw, `${store.root}/due`))
      found.push(...(await getChildren(raw, `${store.root}/due/${bucket}`)));
    return found.sort();
  };

  beforeAll(async () => {
    raw = await rawZooKeeper(server);
  });
  afterAll(async () => {
    raw.close();
    await dropRoot(server, root);
  });

  it('wakes a sleeping scheduler when another process stores a job due now', async () => {
    const store = storeAt();
    const scheduler = new Scheduler({ jobStores: { default: store }, logger: silentLogger, maxSleep: 3600 });
    const runs: string[] = [];
    await scheduler.registerTask('tick', () => void runs.push(currentJob()?.jobId as string));
    await scheduler.addJob('tick', 'date', { id: 'far', runDate: new Date(Date.now() + 3_600_000) });
    await scheduler.start();
    const other = new ZooKeeperJobStore({ url: zkUrl(server, store.root) });
    await other.start(context());
    try {
      // The scheduler now sleeps for an hour; only the watch can wake it for this job.
      await other.addJob(makeJob('now', Date.now(), { func: 'tick', misfireGraceTime: null }));
      await waitUntil(() => runs.includes('now'), 'the job stored by the other process to run');
    } finally {
      await other.shutdown();
      await scheduler.shutdown();
    }
  });

  it('frees the claims of a store whose session ended, before their lease ends', async () => {
    const holder = storeAt();
    await holder.start(context());
    const other = new ZooKeeperJobStore({ url: zkUrl(server, holder.root) });
    await other.start(context());
    try {
      await holder.addJob(makeJob('held', T0));
      const hour = 3_600_000;
      expect((await holder.acquireDueJobs('a', new Date(T0), hour, 10)).map((job) => job.id)).toEqual([
        'held',
      ]);
      expect(await other.acquireDueJobs('b', new Date(T0 + 1000), hour, 10)).toEqual([]);
      expect((await other.getNextRunTime())?.getTime()).toBe(T0 + hour);
      // Ending the session removes its ephemeral znode, as ZooKeeper does when a process dies and
      // its session expires: the claim is free at once, not in an hour.
      await holder.shutdown();
      await waitUntil(
        async () => (await other.getNextRunTime())?.getTime() === T0,
        'the claim to be free once its session ended',
      );
      const taken = await other.acquireDueJobs('b', new Date(T0 + 1000), hour, 10);
      expect(taken.map((job) => job.id)).toEqual(['held']);
    } finally {
      await other.shutdown();
    }
  });

  it('makes its session znode again when it was removed, and claims again', async () => {
    const store = storeAt();
    await store.start(context());
    try {
      await store.addJob(makeJob('job', T0));
      // Nothing is due yet, but a claim attempt makes the session znode.
      expect(await store.acquireDueJobs('a', new Date(T0 - 1000), 60_000, 10)).toEqual([]);
      expect(await getChildren(raw, `${store.root}/sessions`)).toHaveLength(1);
      for (const session of await getChildren(raw, `${store.root}/sessions`))
        await removeTree(raw, `${store.root}/sessions/${session}`);
      const claimed: string[] = [];
      await waitUntil(async () => {
        claimed.push(
          ...(await store.acquireDueJobs('a', new Date(T0 + 10), 60_000, 10)).map((job) => job.id),
        );
        return claimed.length > 0;
      }, 'the job to be claimed');
      expect(claimed).toEqual(['job']);
      expect(await getChildren(raw, `${store.root}/sessions`)).toHaveLength(1);
    } finally {
      await store.shutdown();
    }
  });

  it('keeps one index entry per scheduled job that nobody holds', async () => {
    const store = storeAt();
    await store.start(context());
    try {
      await store.addJob(makeJob('soon', T0));
      await store.addJob(makeJob('later', T0 + 3_600_000));
      await store.addJob(makeJob('paused', null));
      const entries = async () =>
        (await indexEntries(store)).map((name) => name.slice(name.indexOf('~') + 1)).sort();
      expect(await entries()).toEqual(['later', 'soon']);
      await store.acquireDueJobs('a', new Date(T0), 60_000, 10);
      expect(await entries()).toEqual(['later']);
      expect(await getChildren(raw, `${store.root}/leases`)).toEqual(['soon']);
      await store.releaseJobs('a', [
        { id: 'soon', nextRunTime: new Date(T0 + 10), nextFireTime: new Date(T0 + 10), remove: false },
      ]);
      expect(await entries()).toEqual(['later', 'soon']);
      expect(await getChildren(raw, `${store.root}/leases`)).toEqual([]);
    } finally {
      await store.shutdown();
    }
  });

  it('updates and removes a job whose document no longer says where its index entry is', async () => {
    const store = storeAt();
    await store.start(context());
    try {
      await store.addJob(makeJob('edited', T0));
      await store.addJob(makeJob('dropped', T0));
      // A hand edit moves the time in the documents, leaving the index entries where they were.
      for (const id of ['edited', 'dropped']) {
        const path = `${store.root}/jobs/${id}`;
        const document = JSON.parse(await getData(raw, path)) as { nextRunTime: number };
        await setData(raw, path, JSON.stringify({ ...document, nextRunTime: T0 + 3_600_000 }));
      }
      await store.updateJob(makeJob('edited', T0 + 5));
      await store.removeJob('dropped');
      expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['edited']);
      // The old entries are gone, and the updated job has one entry, at its new time.
      expect(await indexEntries(store)).toEqual([`${String(T0 + 5).padStart(16, '0')}~edited`]);
      const claimed = await store.acquireDueJobs('a', new Date(T0 + 5), 60_000, 10);
      expect(claimed.map((job) => [job.id, job.nextRunTime?.getTime()])).toEqual([['edited', T0 + 5]]);
    } finally {
      await store.shutdown();
    }
  });

  it('refuses a root laid out by another schema version', async () => {
    const store = storeAt();
    await store.start(context());
    await store.shutdown();
    await setData(raw, `${store.root}/version`, '99');
    const error = await store.start(context()).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toContain('schema version "99"');
  });

  it.each([
    ['on a closed port', async () => ({ port: 1, close: async () => undefined })],
    ['that never answers', blackHole],
  ])('fails to start within connectTimeout with a server %s', async (_case, listen) => {
    const server = await listen();
    try {
      const store = new ZooKeeperJobStore({
        url: `zookeeper://127.0.0.1:${server.port}/horae`,
        connectTimeout: 1000,
      });
      const begin = Date.now();
      const error = await store.start(context()).then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(JobStoreError);
      expect((error as Error).message).toContain(`cannot connect to 127.0.0.1:${server.port}`);
      expect(Date.now() - begin).toBeLessThan(4000);
    } finally {
      await server.close();
    }
  });
});
