import type { JobState } from '../job-state.js';
import type { JobStorePage, JobStoreQuery } from './job-store.js';

/** The words of a `JobStoreQuery.search`, lowercased: each must occur in a job's id or name. */
export function searchWords(search: string | undefined): string[] {
  return (search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether a job (its id and name, and whether it `isPaused`) matches a query's `words` and `paused`. */
export function matchesJobQuery(
  job: Pick<JobState, 'id' | 'name'>,
  isPaused: boolean,
  words: readonly string[],
  paused: boolean | undefined,
): boolean {
  if (paused !== undefined && isPaused !== paused) return false;
  if (words.length === 0) return true;
  const id = job.id.toLowerCase();
  const name = job.name.toLowerCase();
  return words.every((word) => id.includes(word) || name.includes(word));
}

/**
 * The page of `jobs` (already in the store's order) that `query` selects, and how many match: the
 * in-memory form of `JobStore.queryJobs`, for the memory store and for stores without the method.
 */
export function pageOfJobs(jobs: readonly JobState[], query: JobStoreQuery): JobStorePage {
  const words = searchWords(query.search);
  const matching = jobs.filter((job) => matchesJobQuery(job, job.nextRunTime === null, words, query.paused));
  return { jobs: matching.slice(query.offset, query.offset + query.limit), total: matching.length };
}
