import type { JobState } from '../job-state.js';

/**
 * Ids in the order every store uses: by UTF-16 code unit, as `<` compares strings (PostgreSQL
 * sorts its ids in the "C" collation and MySQL in utf8mb4_bin to match).
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The order of jobs in every store (the `JobStore` contract): next run time ascending, then id;
 * paused jobs (`nextRunTime: null`) last.
 */
export function compareJobs(a: JobState, b: JobState): number {
  const at = a.nextRunTime?.getTime() ?? Infinity;
  const bt = b.nextRunTime?.getTime() ?? Infinity;
  if (at !== bt) return at < bt ? -1 : 1;
  return compareIds(a.id, b.id);
}
