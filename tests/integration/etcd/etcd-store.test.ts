// The etcd store beyond the conformance suite: start-up failures, URLs and options, schema
// versions, racing claimers on separate connections, claims that etcd itself ends when their
// holder is gone, and the watch that wakes a scheduler when another process changes a job.
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import { JobStoreError } from '../../../src/errors.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { EtcdJobStore } from '../../../src/stores/etcd/index.js';
import type { JobStore, JobStoreContext } from '../../../src/stores/job-store.js';
import { createJobStoreFromConfig, createJobStoreFromUrl } from '../../../src/stores/registry.js';
import { dropPrefix, etcdPrefix, etcdUrl, rawEtcd } from '../../helpers/etcd.js';
import { T0, collectingLogger, makeJob } from '../../helpers/jobs.js';
import { blackHole } from '../../helpers/proxy.js';
import { serviceUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';

const context = (): JobStoreContext => ({
  alias: 'default',
  clock: new SystemClock(),
  logger: collectingLogger(),
});

describe('etcd job store options and URLs', () => {
  it('reads hosts and prefix from the URL, several hosts being one cluster', () => {
    expect(new EtcdJobStore({ url: 'etcd://10.0.0.1:2379,10.0.0.2:2380/billing/jobs' }).prefix).toBe(
      'billing/jobs/',
    );
    expect(new EtcdJobStore({ url: 'etcd://10.0.0.1' }).prefix).toBe('horae/');
    expect(new EtcdJobStore({ url: 'etcd://10.0.0.1/a', prefix: 'b' }).prefix).toBe('b/');
  });

  it.each([
    ['etcd://', /names host ""/],
    ['etcd://a:2379,:2379/p', /names host ":2379"/],
    ['etcd://a:2379/p?commandTimeout=5', /has query parameters/],
    ['http://a:2379/p', /Malformed etcd URL/],
    ['etcd://u:%E0%A4%A@a:2379/p', /malformed %-escape in its password/],
  ])('refuses %s with a JobStoreError saying what is wrong', (url, message) => {
    expect(() => new EtcdJobStore({ url })).toThrow(JobStoreError);
    expect(() => new EtcdJobStore({ url })).toThrow(message);
  });

  it('refuses unknown options and bad timeouts, naming them', () => {
    expect(() => new EtcdJobStore({ prefx: 'a' } as never)).toThrow(
      /Unknown EtcdJobStore option "prefx".*"prefix"/,
    );
    expect(() => new EtcdJobStore({ commandTimeout: 0 })).toThrow(/commandTimeout 0/);
    expect(() => new EtcdJobStore({ prefix: '' })).toThrow(/prefix must be a non-empty string/);
    expect(() => new EtcdJobStore('etcd://127.0.0.1:2379/app' as never)).toThrow(/options must be an object/);
  });

  it('is made from etcd:// URLs and { type: "etcd" } configuration', async () => {
    const fromUrl = await createJobStoreFromUrl('etcd://127.0.0.1:2379/apps/billing');
    expect(fromUrl).toBeInstanceOf(EtcdJobStore);
    expect((fromUrl as EtcdJobStore).prefix).toBe('apps/billing/');
    const several = await createJobStoreFromUrl('etcd://10.0.0.1:2379,10.0.0.2:2379/apps');
    expect((several as EtcdJobStore).prefix).toBe('apps/');
    const fromConfig = await createJobStoreFromConfig({ type: 'etcd', prefix: 'cfg' });
    expect((fromConfig as EtcdJobStore).prefix).toBe('cfg/');
  });
});

describe('etcd job store start-up failures', () => {
  it('fails fast with a JobStoreError naming the server when nothing listens, and no password', async () => {
    const store = new EtcdJobStore({ url: 'etcd://horae:s3cret@127.0.0.1:1/p' });
    const started = Date.now();
    const error = await store.start(context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toMatch(/etcd job store "default" at 127\.0\.0\.1:1 cannot connect/);
    expect((error as Error).message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives up after connectTimeout on a server that never answers', async () => {
    const hole = await blackHole();
    try {
      const store = new EtcdJobStore({ url: `etcd://127.0.0.1:${hole.port}/p`, connectTimeout: 500 });
      const started = Date.now();
      const error = await store.start(context()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobStoreError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await hole.close();
    }
  });
});

const url = serviceUrl('etcd');

describe.skipIf(url === undefined)('etcd job store on a real etcd', () => {
  const server = url as string;
  const runPrefix = etcdPrefix(server, 'store');
  let count = 0;
  let raw: Etcd3;
  const stores: JobStore[] = [];
  const newPrefix = () => `${runPrefix}${++count}`;
  const open = async (prefix = newPrefix(), own: Partial<JobStoreContext> = {}) => {
    const store = new EtcdJobStore({ url: etcdUrl(server, prefix) });
    stores.push(store);
    await store.start({ ...context(), ...own });
    return store;
  };

  beforeAll(() => {
    raw = rawEtcd(server);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.shutdown()));
  });
  afterAll(async () => {
    raw.close();
    await dropPrefix(server, runPrefix);
  });

  it('two stores on two connections claiming at once get disjoint jobs', async () => {
    const prefix = newPrefix();
    const first = await open(prefix);
    const second = await open(prefix);
    const total = 300;
    // Added all at once: one by one, 300 synced writes take seconds on a busy machine.
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        first.addJob(makeJob(`j${String(i).padStart(4, '0')}`, T0 - i)),
      ),
    );
    const claimed = new Map<string, string>();
    const claim = async (store: JobStore, schedulerId: string) => {
      for (;;) {
        const jobs = await store.acquireDueJobs(schedulerId, new Date(T0), 60_000, 7);
        if (jobs.length === 0) return;
        for (const job of jobs) {
          expect(claimed.get(job.id), `${job.id} claimed twice`).toBeUndefined();
          claimed.set(job.id, schedulerId);
        }
      }
    };
    await Promise.all([
      ...['a1', 'a2', 'a3'].map((id) => claim(first, id)),
      ...['b1', 'b2', 'b3'].map((id) => claim(second, id)),
    ]);
    expect(claimed.size).toBe(total);
  });

  it('lets etcd end the claims of a holder that is gone, by the lease TTL', async () => {
    const prefix = newPrefix();
    const holder = await open(prefix);
    await holder.addJob(makeJob('j', Date.now() - 1000));
    expect(await holder.acquireDueJobs('gone', new Date(), 1000, 10)).toHaveLength(1);
    const claimKey = `${prefix}/claims/j`;
    expect(await raw.get(claimKey).string()).toContain('"by":"gone"');
    // Nobody releases it: etcd deletes the claim key when its lease (1 s, plus one) runs out.
    await waitUntil(
      async () => (await raw.get(claimKey).string()) === null,
      'the claim key to expire',
      10_000,
      100,
    );
    const other = await open(prefix);
    expect((await other.acquireDueJobs('other', new Date(), 60_000, 10)).map((job) => job.id)).toEqual(['j']);
  });

  it('takes over a claim key it cannot read, as a lapsed claim', async () => {
    const prefix = newPrefix();
    const store = await open(prefix);
    await store.addJob(makeJob('j', T0));
    await raw.put(`${prefix}/claims/j`).value('written by hand');
    expect((await store.acquireDueJobs('a', new Date(T0), 60_000, 10)).map((job) => job.id)).toEqual(['j']);
    expect(await raw.get(`${prefix}/claims/j`).string()).toContain('"by":"a"');
  });

  it('uses a client it is given and leaves it open', async () => {
    const client = rawEtcd(server);
    try {
      const prefix = newPrefix();
      const store = new EtcdJobStore({ client, prefix });
      await store.start(context());
      await store.addJob(makeJob('mine', T0));
      expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['mine']);
      await store.shutdown();
      expect(await client.get(`${prefix}/jobs/mine`).string()).toContain('"id":"mine"');
    } finally {
      client.close();
    }
  });

  it('refuses a prefix laid out by another schema version', async () => {
    const prefix = newPrefix();
    await raw.put(`${prefix}/version`).value('99');
    const error = await open(prefix).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toMatch(/schema version 99; this Horae reads version 1/);
  });

  it('wakes its scheduler when another process adds a job, long before maxSleep', async () => {
    const prefix = newPrefix();
    const store = new PassCountingStore({ url: etcdUrl(server, prefix) });
    const scheduler = new Scheduler({
      jobStores: { default: store },
      maxSleep: 300,
      logger: collectingLogger(),
    });
    const runs: number[] = [];
    await scheduler.registerTask('tick', () => void runs.push(Date.now()));
    await scheduler.start();
    try {
      // The scheduler has been over the empty store and sleeps for maxSleep (5 minutes).
      await waitUntil(() => store.passes > 0, 'the first pass of the scheduler');
      const other = await open(prefix);
      const due = Date.now() + 1000;
      await other.addJob(makeJob('from-elsewhere', due, { func: 'tick' }));
      await waitUntil(() => runs.length > 0, 'the job added by another process to run', 10_000, 20);
      expect((runs[0] as number) - due).toBeLessThan(3000);
    } finally {
      await scheduler.shutdown();
    }
  });
});

/** Counts the scheduler's passes: each ends with `getNextRunTime`. */
class PassCountingStore extends EtcdJobStore {
  passes = 0;
  override async getNextRunTime(): Promise<Date | null> {
    const next = await super.getNextRunTime();
    this.passes++;
    return next;
  }
}
