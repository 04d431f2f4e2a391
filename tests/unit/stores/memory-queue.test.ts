// The memory store's queue of due jobs (time buckets, src/stores/memory/time-queue.ts) and its run
// history bookkeeping, beyond the conformance suite: dense buckets, removals in the middle of them,
// leases running out, and randomized runs against a model that simply sorts every live job.
import { describe, expect, it } from 'vitest';
import { ConflictingIdError, JobLookupError } from '../../../src/errors.js';
import type { JobState } from '../../../src/job-state.js';
import type { JobRelease, RunRecord } from '../../../src/stores/job-store.js';
import { MemoryJobStore } from '../../../src/stores/memory/memory-job-store.js';
import { TimeQueue, type Bucket, type QueueEntry } from '../../../src/stores/memory/time-queue.js';
import { FakeClock } from '../../../src/testing.js';
import { T0, collectingLogger, makeJob, makeRun } from '../../helpers/jobs.js';

const A = 'scheduler-a';
const B = 'scheduler-b';
const LEASE = 60_000;

/** A small seeded PRNG (mulberry32), so a failing run can be replayed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  };
  return { next, int, pick, shuffle };
}

/**
 * Ids that stress the order: a shared prefix, code units above the ASCII range, surrogate pairs, and
 * ids that are prefixes of others.
 */
function idPool(size: number): string[] {
  const forms = [
    (i: number) => `job-${String(i).padStart(4, '0')}`,
    (i: number) => `j${i}`,
    (i: number) => `\uffff${i}`,
    (i: number) => `🕒${i}`,
    (i: number) => `${String.fromCharCode(65 + (i % 26))}${i % 7 === 0 ? '' : i}`,
  ];
  const ids = new Set<string>();
  for (let i = 0; ids.size < size; i++) ids.add((forms[i % forms.length] as (i: number) => string)(i));
  return [...ids];
}

const byTimeThenId = (a: [string, number], b: [string, number]) =>
  a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

const ids = (jobs: JobState[]) => jobs.map((job) => job.id);

async function started(): Promise<MemoryJobStore> {
  const store = new MemoryJobStore();
  await store.start({ alias: 'default', clock: new FakeClock(T0), logger: collectingLogger() });
  return store;
}

/** Claims every due job at `now`, `limit` at a time. */
async function drain(store: MemoryJobStore, now: number, limit: number, scheduler = A): Promise<JobState[]> {
  const all: JobState[] = [];
  for (;;) {
    const batch = await store.acquireDueJobs(scheduler, new Date(now), LEASE, limit);
    expect(batch.length).toBeLessThanOrEqual(limit);
    all.push(...batch);
    if (batch.length < limit) return all;
  }
}

describe('memory job store: time buckets', () => {
  it('hands out jobs of equal times, added in random order, by time then id across small batches', async () => {
    const random = prng(1);
    const store = await started();
    const jobs = idPool(600).map((id): [string, number] => [id, T0 + random.int(4)]);
    for (const [id, time] of random.shuffle([...jobs])) await store.addJob(makeJob(id, time));
    expect((await store.getNextRunTime())?.getTime()).toBe(T0);

    const got = await drain(store, T0 + 3, 7);
    expect(got.map((job): [string, number] => [job.id, job.nextRunTime?.getTime() ?? NaN])).toEqual(
      [...jobs].sort(byTimeThenId),
    );
    // Every job is leased now: the next is when the leases run out.
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 3 + LEASE);
  });

  it('keeps the order when jobs join a bucket that is being popped', async () => {
    const store = await started();
    for (let i = 0; i < 100; i += 2) await store.addJob(makeJob(`k${String(i).padStart(3, '0')}`, T0));
    const first = await store.acquireDueJobs(A, new Date(T0), LEASE, 10);
    expect(ids(first)).toEqual(Array.from({ length: 10 }, (_, i) => `k${String(2 * i).padStart(3, '0')}`));
    // Some before the popped head (due now, so they come first), some between the rest, one after.
    for (const id of ['k001', 'k031', 'k051', 'k999', 'a']) await store.addJob(makeJob(id, T0));
    const rest = ids(await drain(store, T0, 3));
    const expected = [
      ...Array.from({ length: 40 }, (_, i) => `k${String(20 + 2 * i).padStart(3, '0')}`),
      'k001',
      'k031',
      'k051',
      'k999',
      'a',
    ].sort();
    expect(rest).toEqual(expected);
  });

  it('removes, updates and pauses jobs in the middle of a bucket, and empties buckets', async () => {
    const store = await started();
    const name = (i: number) => `j${String(i).padStart(3, '0')}`;
    for (let i = 0; i < 100; i++) await store.addJob(makeJob(name(i), T0));
    await store.addJob(makeJob('later', T0 + 10));

    // More than enough holes to compact the bucket, at its head, middle and tail.
    for (let i = 10; i < 60; i++) await store.removeJob(name(i));
    await store.removeJob(name(0));
    await store.removeJob(name(99));
    await store.updateJob(makeJob(name(70), T0 + 5));
    await store.updateJob(makeJob(name(80), null));
    await store.updateJob(makeJob(name(90), T0, { name: 'same time, new name' }));
    expect((await store.getNextRunTime())?.getTime()).toBe(T0);

    const expected = [
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map(name),
      ...Array.from({ length: 39 }, (_, i) => name(60 + i)).filter(
        (id) => id !== name(70) && id !== name(80),
      ),
    ];
    const got = await drain(store, T0, 4);
    expect(ids(got)).toEqual(expected);
    expect(got.find((job) => job.id === name(90))?.name).toBe('same time, new name');
    await store.releaseJobs(
      A,
      expected.map((id) => ({ id, nextRunTime: null, nextFireTime: null, remove: true })),
    );

    // The T0 bucket is gone; j070 at T0 + 5 is next, then `later`.
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 5);
    await store.removeJob(name(70));
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 10);
    await store.removeJob('later');
    expect(await store.getNextRunTime()).toBeNull();

    // A time whose bucket was emptied takes jobs again; the paused job comes back.
    await store.addJob(makeJob('again', T0));
    await store.updateJob(makeJob(name(80), T0));
    expect((await store.getNextRunTime())?.getTime()).toBe(T0);
    expect(ids(await drain(store, T0, 1))).toEqual(['again', name(80)]);
    expect(ids(await store.getAllJobs())).toEqual(['again', name(80)]);
  });

  it('puts jobs whose lease ran out back in order, and reports when leases end', async () => {
    const store = await started();
    for (const id of ['a', 'b', 'c']) await store.addJob(makeJob(id, T0));
    await store.addJob(makeJob('d', T0 + 500));
    expect(ids(await store.acquireDueJobs(A, new Date(T0), 1000, 2))).toEqual(['a', 'b']);
    expect((await store.getNextRunTime())?.getTime()).toBe(T0);
    expect(ids(await store.acquireDueJobs(B, new Date(T0), 5000, 10))).toEqual(['c']);
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 500);
    await store.addJob(makeJob('0', T0));
    expect((await store.getNextRunTime())?.getTime()).toBe(T0);
    expect(ids(await store.acquireDueJobs(B, new Date(T0), 5000, 10))).toEqual(['0']);
    expect(ids(await store.acquireDueJobs(B, new Date(T0 + 500), 5000, 10))).toEqual(['d']);
    // A's leases (T0 + 1000) end first, then B's.
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 1000);
    expect(await store.acquireDueJobs(B, new Date(T0 + 999), 5000, 10)).toEqual([]);
    const retaken = await store.acquireDueJobs(B, new Date(T0 + 1000), 5000, 10);
    expect(ids(retaken)).toEqual(['a', 'b']);
    expect(retaken[0]?.nextRunTime?.getTime()).toBe(T0);
    // A's late release is ignored; B's first leases (T0 + 5000) end next.
    await store.releaseJobs(A, [{ id: 'a', nextRunTime: null, nextFireTime: null, remove: true }]);
    expect((await store.lookupJob('a'))?.nextRunTime?.getTime()).toBe(T0);
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 5000);
    // Releasing and updating leased jobs takes them out of the lease queue.
    await store.releaseJobs(B, [
      { id: 'c', nextRunTime: new Date(T0 + 7000), nextFireTime: new Date(T0 + 7000), remove: false },
      { id: '0', nextRunTime: null, nextFireTime: null, remove: true },
    ]);
    await store.updateJob(makeJob('d', T0 + 8000));
    expect((await store.getNextRunTime())?.getTime()).toBe(T0 + 6000);
    expect(ids(await drain(store, T0 + 10_000, 2, A))).toEqual(['a', 'b', 'c', 'd']);
  });
});

/** The store's contract, done the slow and obvious way. */
class ModelStore {
  readonly jobs = new Map<string, { time: number | null; by: string | null; until: number }>();

  nextRunTime(): number | null {
    let earliest = Infinity;
    for (const job of this.jobs.values()) {
      if (job.time === null) continue;
      earliest = Math.min(earliest, job.by === null ? job.time : Math.max(job.until, job.time));
    }
    return earliest === Infinity ? null : earliest;
  }

  acquire(scheduler: string, now: number, lease: number, limit: number): [string, number][] {
    for (const job of this.jobs.values()) if (job.by !== null && job.until <= now) job.by = null;
    const due = [...this.jobs]
      .filter(([, job]) => job.by === null && job.time !== null && job.time <= now)
      .map(([id, job]): [string, number] => [id, job.time as number])
      .sort(byTimeThenId)
      .slice(0, limit);
    for (const [id] of due) {
      const job = this.jobs.get(id) as { by: string | null; until: number };
      job.by = scheduler;
      job.until = now + lease;
    }
    return due;
  }

  all(): string[] {
    return [...this.jobs]
      .map(([id, job]): [string, number] => [id, job.time ?? Infinity])
      .sort(byTimeThenId)
      .map(([id]) => id);
  }
}

describe('memory job store against a model', () => {
  for (const seed of [7, 42, 2026]) {
    it(`agrees with the model over mixed operations (seed ${seed})`, async () => {
      const random = prng(seed);
      const store = await started();
      const model = new ModelStore();
      const pool = idPool(300);
      let now = T0;
      const someTime = () => (random.next() < 0.1 ? null : now + random.pick([-3, -1, 0, 0, 0, 1, 2, 5, 40]));
      const date = (time: number | null) => (time === null ? null : new Date(time));

      for (let step = 0; step < 3000; step++) {
        const roll = random.next();
        const known = [...model.jobs.keys()];
        if (roll < 0.3) {
          const id = random.pick(pool);
          const time = someTime();
          if (model.jobs.has(id)) {
            await expect(store.addJob(makeJob(id, time))).rejects.toBeInstanceOf(ConflictingIdError);
          } else {
            await store.addJob(makeJob(id, time));
            model.jobs.set(id, { time, by: null, until: 0 });
          }
        } else if (roll < 0.38) {
          const id = random.next() < 0.1 || known.length === 0 ? 'missing' : random.pick(known);
          if (id === 'missing') await expect(store.removeJob(id)).rejects.toBeInstanceOf(JobLookupError);
          else {
            await store.removeJob(id);
            model.jobs.delete(id);
          }
        } else if (roll < 0.48 && known.length > 0) {
          const id = random.pick(known);
          const time = someTime();
          await store.updateJob(makeJob(id, time));
          model.jobs.set(id, { time, by: null, until: 0 });
        } else if (roll < 0.7) {
          const scheduler = random.pick([A, B]);
          const lease = random.pick([1, 2, 5, 30]);
          const limit = 1 + random.int(12);
          const got = await store.acquireDueJobs(scheduler, new Date(now), lease, limit);
          const expected = model.acquire(scheduler, now, lease, limit);
          expect(got.map((job): [string, number] => [job.id, job.nextRunTime?.getTime() ?? NaN])).toEqual(
            expected,
          );
        } else if (roll < 0.9) {
          const scheduler = random.pick([A, B]);
          const held = known.filter((id) => model.jobs.get(id)?.by === scheduler);
          const chosen = [...random.shuffle(held).slice(0, random.int(held.length + 1))];
          // Some releases by a scheduler that holds nothing on these jobs: ignored.
          for (let i = random.int(3); i > 0 && known.length > 0; i--) chosen.push(random.pick(known));
          const releases: JobRelease[] = chosen.map((id) => {
            const remove = random.next() < 0.25;
            const time = remove ? null : someTime();
            return { id, nextRunTime: date(time), nextFireTime: date(time), remove };
          });
          await store.releaseJobs(scheduler, releases);
          for (const release of releases) {
            const job = model.jobs.get(release.id);
            if (job === undefined || job.by !== scheduler) continue;
            if (release.remove) model.jobs.delete(release.id);
            else {
              job.by = null;
              job.time = release.nextRunTime?.getTime() ?? null;
            }
          }
        } else {
          now += random.int(4);
        }

        expect((await store.getNextRunTime())?.getTime() ?? null, `step ${step}`).toBe(model.nextRunTime());
        if (step % 100 === 0) expect(ids(await store.getAllJobs())).toEqual(model.all());
      }
      expect(ids(await store.getAllJobs())).toEqual(model.all());
    });
  }
});

describe('TimeQueue', () => {
  const entry = (id: string): QueueEntry => ({ id, bucket: null, slot: -1 });

  for (const ordered of [true, false]) {
    it(`pops due entries ${ordered ? 'by time, then id' : 'by time, then push order'} through pushes, removals and pops`, () => {
      const random = prng(ordered ? 11 : 12);
      const queue = new TimeQueue<QueueEntry>(ordered);
      const pool = idPool(2000).map(entry);
      const inOrder = [...pool].sort((a, b) => byTimeThenId([a.id, 0], [b.id, 0]));
      let cursor = 0;
      /** The model: queued entries with their time and push number. */
      const queued = new Map<QueueEntry, { time: number; pushed: number }>();
      let pushes = 0;
      const order = (a: [QueueEntry, { time: number; pushed: number }], b: typeof a) =>
        a[1].time !== b[1].time
          ? a[1].time - b[1].time
          : ordered
            ? byTimeThenId([a[0].id, 0], [b[0].id, 0])
            : a[1].pushed - b[1].pushed;

      for (let step = 0; step < 20_000; step++) {
        const roll = random.next();
        if (roll < 0.45) {
          // Half in id order (a bucket stays sorted while pushes follow), half at random.
          const item =
            random.next() < 0.5 ? (inOrder[cursor++ % inOrder.length] as QueueEntry) : random.pick(pool);
          if (queued.has(item)) continue;
          const time = random.int(4) * 10;
          queue.push(item, time);
          queued.set(item, { time, pushed: pushes++ });
        } else if (roll < 0.75 && queued.size > 0) {
          const item = random.pick([...queued.keys()]);
          queue.remove(item);
          queued.delete(item);
          expect(item.bucket).toBeNull();
        } else {
          const now = random.int(4) * 10;
          const count = random.int(30);
          const expected = [...queued]
            .filter(([, { time }]) => time <= now)
            .sort(order)
            .slice(0, count)
            .map(([item]) => item.id);
          const got: string[] = [];
          for (let i = 0; i < count; i++) {
            const item = queue.popDue(now);
            if (item === undefined) break;
            got.push(item.id);
            queued.delete(item);
          }
          expect(got).toEqual(expected);
        }
        expect(queue.size).toBe(queued.size);
        expect(queue.earliest()).toBe(Math.min(...[...queued.values()].map(({ time }) => time)));
      }
      queue.clear();
      expect(queue.size).toBe(0);
      expect(queue.earliest()).toBe(Infinity);
      expect(queue.popDue(Infinity)).toBeUndefined();
    });
  }

  it('keeps order in one large bucket emptied from both ends and the middle', () => {
    const queue = new TimeQueue<QueueEntry>();
    const items = Array.from({ length: 1000 }, (_, i) => entry(`e${String(i).padStart(4, '0')}`));
    for (const item of [...items].reverse()) queue.push(item, 5);
    for (let i = 0; i < 1000; i += 3) queue.remove(items[i] as QueueEntry);
    for (let i = 999; i >= 900; i--) queue.remove(items[i] as QueueEntry);
    const expected = items.filter((_, i) => i % 3 !== 0 && i < 900).map((item) => item.id);
    const got: string[] = [];
    for (let item = queue.popDue(5); item !== undefined; item = queue.popDue(5)) got.push(item.id);
    expect(got).toEqual(expected);
    expect(queue.size).toBe(0);
  });
  it('compacts a bucket whose tombstones dominate, and one that is popped and pushed without end', () => {
    const queue = new TimeQueue<QueueEntry>(false);
    const items = Array.from({ length: 1000 }, (_, i) => entry(`e${String(i).padStart(4, '0')}`));
    for (const item of items) queue.push(item, 5);
    const bucket = (items[0] as QueueEntry).bucket as Bucket;
    for (let i = 1; i < 999; i++) if (i % 10 !== 0) queue.remove(items[i] as QueueEntry);
    const live = items.filter((_, i) => i % 10 === 0 || i === 999);
    expect(queue.size).toBe(live.length);
    expect(bucket.items.length).toBeLessThan(2.5 * live.length);
    // A due bucket that keeps taking entries while it is popped (here, the same ones, round and round).
    for (let i = 0; i < 10_000; i++) queue.push(queue.popDue(5) as QueueEntry, 5);
    expect(bucket.items.length).toBeLessThan(2.5 * live.length);
    const order: string[] = [];
    for (let item = queue.popDue(5); item !== undefined; item = queue.popDue(5)) order.push(item.id);
    const turns = 10_000 % live.length;
    expect(order).toEqual([...live.slice(turns), ...live.slice(0, turns)].map((item) => item.id));
  });
});

describe('memory job store: run records', () => {
  const record = (jobId: string, at: number, startedAfter = 5): RunRecord =>
    makeRun(jobId, T0 + at, { startedAt: new Date(T0 + at + startedAfter) });

  it('addRuns has the effect of addRun for each record in turn', async () => {
    const random = prng(5);
    const jobIds = ['x', 'y', 'z', 'gone', 'never'];
    const records: RunRecord[] = Array.from({ length: 200 }, () =>
      record(random.pick(jobIds), random.int(50) * 1000, random.int(3)),
    );
    const one = await started();
    const batched = await started();
    for (const store of [one, batched]) for (const id of ['x', 'y', 'z']) await store.addJob(makeJob(id, T0));
    for (let i = 0; i < records.length; i += 40) {
      const chunk = records.slice(i, i + 40);
      for (const run of chunk) await one.addRun(run, 6);
      const pending = batched.addRuns(chunk, 6);
      expect(pending).toBeInstanceOf(Promise);
      await pending;
      if (i === 80) for (const store of [one, batched]) await store.removeJob('z');
    }
    for (const id of jobIds) {
      const runs = await batched.getRuns(id, 100);
      expect(runs).toEqual(await one.getRuns(id, 100));
      expect(runs.length).toBeLessThanOrEqual(6);
    }
    expect(await batched.getRuns('x', 100)).not.toEqual([]);
    await batched.addRuns([], 6);
  });

  it('keeps the run records of at most 1000 gone jobs, dropping the oldest gone first', async () => {
    const store = await started();
    // Records of jobs that never existed here, like a one-shot job released before its record.
    for (let i = 0; i < 1000; i++) await store.addRun(record(`o${i}`, 0), 5);
    expect(await store.getRuns('o0', 5)).toHaveLength(1);
    // A live job keeps its own history, however many jobs go meanwhile.
    await store.addJob(makeJob('live', T0));
    await store.addRun(record('live', 0), 5);
    // A job that goes with records takes the place of the oldest gone history (o0).
    await store.addJob(makeJob('went', T0));
    await store.addRun(record('went', 0), 5);
    await store.addRun(record('went', 1000), 5);
    await store.removeJob('went');
    expect(await store.getRuns('o0', 5)).toEqual([]);
    expect(await store.getRuns('o1', 5)).toHaveLength(1);
    expect((await store.getRuns('went', 5)).map((run) => run.scheduledRunTime.getTime())).toEqual([
      T0 + 1000,
      T0,
    ]);
    // A later record of a gone job joins its history.
    await store.addRun(record('went', 2000), 5);
    expect(await store.getRuns('went', 5)).toHaveLength(3);

    for (let i = 0; i < 5000; i++) await store.addRun(record(`p${i}`, 0), 5);
    const kept: number[] = [];
    for (let i = 0; i < 5000; i++) if ((await store.getRuns(`p${i}`, 5)).length > 0) kept.push(i);
    expect(kept).toEqual(Array.from({ length: 1000 }, (_, i) => 4000 + i));
    expect(await store.getRuns('went', 5)).toEqual([]);
    expect(await store.getRuns('live', 5)).toHaveLength(1);
    // removeAllJobs keeps the histories of the jobs it removes, as gone ones.
    await store.removeAllJobs();
    expect(await store.getRuns('live', 5)).toHaveLength(1);
    expect(await store.getRuns('p4000', 5)).toEqual([]);
  });

  it("shows a job added again under a gone id the gone one's records, newest first", async () => {
    const store = await started();
    await store.addJob(makeJob('again', T0));
    await store.addRun(record('again', 0), 5);
    await store.removeJob('again');
    await store.addJob(makeJob('again', T0));
    await store.addRun(record('again', 2000), 5);
    await store.addRun(record('again', 1000), 5);
    expect((await store.getRuns('again', 5)).map((run) => run.scheduledRunTime.getTime())).toEqual([
      T0 + 2000,
      T0 + 1000,
      T0,
    ]);
    expect(await store.getRuns('again', 2)).toHaveLength(2);
  });
});
