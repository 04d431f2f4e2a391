// `Scheduler.queryJobs`: a page of the job list as `getJobs()` orders it (pending jobs, then each
// store's), filtered, with its total, paged by each store that can and read whole from one that
// cannot; bad input is refused.
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  MAX_QUERY_LIMIT,
  MemoryJobStore,
  type Job,
  type JobStore,
} from '../../../src/index.js';
import { at, rejection, useSchedulers } from './helpers.js';

const setup = useSchedulers();
const ids = (jobs: Job[]) => jobs.map((job) => job.id);

/** A store without the optional `queryJobs`, as Redis, etcd and ZooKeeper are. */
function listOnlyStore(): JobStore {
  const store: JobStore = new MemoryJobStore();
  Object.defineProperty(store, 'queryJobs', { value: undefined });
  return store;
}

describe('queryJobs', () => {
  it('pages the list of getJobs() across stores, with or without queryJobs', async () => {
    const { scheduler } = setup({
      jobStores: { default: new MemoryJobStore(), other: listOnlyStore() },
    });
    const add = (id: string, offsetMs: number | null, jobStore: string) =>
      scheduler.addJob(() => undefined, 'date', {
        id,
        name: `Report ${id}`,
        runDate: at(offsetMs ?? 1000),
        jobStore,
        ...(offsetMs === null ? { nextRunTime: null } : {}),
      });
    await add('d-late', 3000, 'default');
    await add('d-early', 1000, 'default');
    await add('d-paused', null, 'default');
    await add('o-b', 2000, 'other');
    await add('o-a', 2000, 'other');
    await add('o-paused', null, 'other');
    await scheduler.start({ paused: true });

    const all = ids(await scheduler.getJobs());
    expect(all).toEqual(['d-early', 'd-late', 'd-paused', 'o-a', 'o-b', 'o-paused']);
    for (const limit of [1, 2, 4]) {
      const pages: string[] = [];
      for (let offset = 0; offset < all.length; offset += limit) {
        const page = await scheduler.queryJobs({ offset, limit });
        expect(page.total).toBe(all.length);
        pages.push(...ids(page.jobs));
      }
      expect(pages).toEqual(all);
    }
    const paused = await scheduler.queryJobs({ paused: true });
    expect([ids(paused.jobs), paused.total]).toEqual([['d-paused', 'o-paused'], 2]);
    const search = await scheduler.queryJobs({ search: 'REPORT o-', paused: false, offset: 1 });
    expect([ids(search.jobs), search.total]).toEqual([['o-b'], 2]);
    const other = await scheduler.queryJobs({ jobStore: 'other', limit: 2 });
    expect([ids(other.jobs), other.total]).toEqual([['o-a', 'o-b'], 3]);
    expect(other.jobs.map((job) => job.jobStore)).toEqual(['other', 'other']);
    // Handles act on their job.
    await (other.jobs[0] as Job).pause();
    expect((await scheduler.queryJobs({ paused: true, jobStore: 'other' })).total).toBe(2);
  });

  it('lists the pending jobs of a stopped scheduler first', async () => {
    const { scheduler } = setup();
    await scheduler.addJob(() => undefined, 'interval', { seconds: 5, id: 'zeta', name: 'second' });
    await scheduler.addJob(() => undefined, 'interval', { seconds: 5, id: 'alpha', name: 'first' });
    const page = await scheduler.queryJobs({ search: 'a' });
    expect([ids(page.jobs), page.total]).toEqual([['zeta', 'alpha'], 2]);
    expect(page.jobs.every((job) => job.pending)).toBe(true);
    expect(ids((await scheduler.queryJobs({ search: 'first' })).jobs)).toEqual(['alpha']);
  });

  it('refuses a bad query, naming the field', async () => {
    const { scheduler } = setup();
    const bad: [Record<string, unknown>, string][] = [
      [{ offset: -1 }, 'offset'],
      [{ offset: 1.5 }, 'offset'],
      [{ limit: 0 }, 'limit'],
      [{ limit: MAX_QUERY_LIMIT + 1 }, 'limit'],
      [{ limit: '10' }, 'limit'],
      [{ search: 5 }, 'search'],
      [{ paused: 'yes' }, 'paused'],
      [{ jobStore: 1 }, 'jobStore'],
      [{ serach: 'x' }, 'serach'],
    ];
    for (const [query, field] of bad) {
      const error = await rejection(scheduler.queryJobs(query));
      expect(error, JSON.stringify(query)).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe(field);
      expect((error as Error).message).toContain(field);
    }
    expect((await scheduler.queryJobs({ limit: MAX_QUERY_LIMIT })).total).toBe(0);
  });
});
