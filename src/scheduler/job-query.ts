// `Scheduler.queryJobs`: a page of the job list, filtered and paged by each store that can
// (`JobStore.queryJobs`), so a page of 100,000 stored jobs never reads them all.
import { InvalidArgumentError } from '../errors.js';
import { findUnknownOption, unknownOptionMessage } from '../unknown-option.js';
import { matchesJobQuery, pageOfJobs, searchWords } from '../stores/job-query.js';
import type { JobStore, JobStorePage, JobStoreQuery } from '../stores/job-store.js';
import type { Job } from './job.js';
import type { Jobs } from './jobs.js';
import { invalidOption } from './options.js';

/** The most jobs one `queryJobs` call returns. */
export const MAX_QUERY_LIMIT = 1000;

/**
 * The query of `Scheduler.queryJobs`: a page of the list `getJobs()` gives (pending jobs first, then
 * each store's, next run time then id, paused last), filtered. A bad field throws
 * `InvalidArgumentError` naming it.
 *
 * @example
 * const { jobs, total } = await scheduler.queryJobs({ search: 'report', paused: false, limit: 50 });
 */
export interface JobQuery {
  /**
   * Words separated by white space, each of which must occur in the job's id or name, ignoring
   * case (`JobStoreQuery.search`). Absent or blank: every job.
   */
  search?: string;
  /** `true`: only paused jobs; `false`: only scheduled ones; absent: both. */
  paused?: boolean;
  /** Matching jobs to pass over first. Default 0. */
  offset?: number;
  /** At most this many jobs, from 1 to 1,000. Default 100. */
  limit?: number;
  /** The store to list; without it, the pending jobs and then every store's, as `getJobs` lists them. */
  jobStore?: string;
}

/** A page of `Scheduler.queryJobs`: its jobs and how many match in all. */
export interface JobPage {
  jobs: Job[];
  total: number;
}

const KEYS = ['search', 'paused', 'offset', 'limit', 'jobStore'] as const;

/**
 * The page of `getJobs()`'s list (pending jobs first, then each store's in its order) that `query`
 * selects. Each store pages itself with `queryJobs` when it has it; one without it is read whole
 * (`getAllJobs`) and paged here. A store's job that cannot be read is skipped and reported as by
 * `getAllJobs`; it still counts in `total`, so a page may hold fewer jobs than `limit`.
 */
export async function queryJobs(jobs: Jobs, query: JobQuery = {}): Promise<JobPage> {
  const { search, paused, offset, limit, jobStore } = readQuery(query);
  const words = searchWords(search);
  const pending = jobs
    .pendingJobs(jobStore)
    .filter((job) => matchesJobQuery(job, job.nextRunTime === null, words, paused));
  const page = pending.slice(offset, offset + limit);
  let total = pending.length;
  /** Matching jobs still to pass over before the page starts. */
  let skip = Math.max(0, offset - pending.length);
  for (const [alias, store] of jobs.listedStores(jobStore)) {
    const request = { search, paused, offset: skip, limit: limit - page.length };
    const part = await storePage(store, request);
    for (const state of part.jobs) page.push(jobs.handle(state, alias, false));
    total += part.total;
    skip = Math.max(0, skip - part.total);
  }
  return { jobs: page, total };
}

function storePage(store: JobStore, request: JobStoreQuery): Promise<JobStorePage> {
  if (store.queryJobs !== undefined) return store.queryJobs(request);
  return store.getAllJobs().then((all) => pageOfJobs(all, request));
}

function readQuery(query: JobQuery): JobStoreQuery & { jobStore: string | undefined } {
  if (query === null || typeof query !== 'object') throw invalidOption('query', query, 'an object');
  const unknown = findUnknownOption(query, KEYS);
  if (unknown !== undefined) {
    throw new InvalidArgumentError(unknownOptionMessage('queryJobs', unknown, KEYS), { field: unknown });
  }
  const { search, paused, offset = 0, limit = 100, jobStore } = query;
  if (search !== undefined && typeof search !== 'string') throw invalidOption('search', search, 'a string');
  if (paused !== undefined && typeof paused !== 'boolean')
    throw invalidOption('paused', paused, 'true or false');
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw invalidOption('offset', offset, 'a non-negative integer (matching jobs to pass over)');
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw invalidOption('limit', limit, `an integer from 1 to ${MAX_QUERY_LIMIT} (jobs to return)`);
  }
  if (jobStore !== undefined && typeof jobStore !== 'string') {
    throw invalidOption('jobStore', jobStore, 'the alias of a job store');
  }
  return { search, paused, offset, limit, jobStore };
}
