// What the admin handler reads beyond one scheduler call: the filtered job list, a page of run
// history, a job that must exist.
import { JobLookupError } from '../errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Job } from '../scheduler/job.js';
import type { RunRecord } from '../stores/job-store.js';
import type { Trigger } from '../triggers/trigger.js';

/** What the job list can be filtered by. */
export interface JobQuery {
  /** Words that must all appear in the job's id, name or function (case-insensitive). */
  search?: string;
  jobStore?: string;
  status?: 'scheduled' | 'paused';
  offset: number;
  limit: number;
}

/** A page of jobs and the number of jobs that match in all. */
export interface JobPage {
  jobs: Job[];
  total: number;
}

/** The name of a job's function: the reference, or the function's own name. */
export function funcName(job: Job): string {
  return typeof job.func === 'string' ? job.func : job.func.name || '<anonymous function>';
}

/** The job list, filtered and paged. */
export async function listJobs(scheduler: Scheduler, query: JobQuery): Promise<JobPage> {
  const all = await scheduler.getJobs(query.jobStore === undefined ? {} : { jobStore: query.jobStore });
  const words = (query.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const matching = all.filter((job) => {
    if (query.status === 'paused' && job.nextRunTime !== null) return false;
    if (query.status === 'scheduled' && job.nextRunTime === null) return false;
    if (words.length === 0) return true;
    const text = `${job.id}\n${job.name}\n${funcName(job)}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
  return { jobs: matching.slice(query.offset, query.offset + query.limit), total: matching.length };
}

/** How many of `jobs` there are: in all, scheduled, paused. */
export function jobCounts(jobs: Job[]): { total: number; scheduled: number; paused: number } {
  const paused = jobs.filter((job) => job.nextRunTime === null).length;
  return { total: jobs.length, scheduled: jobs.length - paused, paused };
}

/** The job, or `JobLookupError` (a 404). */
export async function requireJob(
  scheduler: Scheduler,
  id: string,
  jobStore: string | undefined,
): Promise<Job> {
  const job = await scheduler.getJob(id, jobStore === undefined ? {} : { jobStore });
  if (job === null) throw new JobLookupError(id, jobStore);
  return job;
}

/** The job's run history, newest first, from `offset`; `hasMore` when older records exist. */
export async function runsPage(
  scheduler: Scheduler,
  job: Job,
  offset: number,
  limit: number,
): Promise<{ runs: RunRecord[]; hasMore: boolean }> {
  const records = await scheduler.getRuns(job.id, { jobStore: job.jobStore, limit: offset + limit + 1 });
  return { runs: records.slice(offset, offset + limit), hasMore: records.length > offset + limit };
}

/** The zone a trigger reads its times in, or the scheduler's. */
export function triggerZone(trigger: Trigger, fallback: string): string {
  const zone = (trigger as { timezone?: unknown }).timezone;
  return typeof zone === 'string' ? zone : fallback;
}
