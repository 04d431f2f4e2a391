// What the admin handler reads beyond one scheduler call: the filtered job list, a page of run
// history, a job that must exist.
import { JobLookupError } from '../errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Job } from '../scheduler/job.js';
import type { RunRecord } from '../stores/job-store.js';
import type { Trigger } from '../triggers/trigger.js';

/** What the job list can be filtered by. */
export interface JobQuery {
  /** Words that must all appear in the job's id or name (case-insensitive). */
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

/** The job list, filtered and paged by the stores (`Scheduler.queryJobs`): never every job in memory. */
export function listJobs(scheduler: Scheduler, query: JobQuery): Promise<JobPage> {
  const { search, jobStore, status, offset, limit } = query;
  return scheduler.queryJobs({
    ...(search === undefined ? {} : { search }),
    ...(jobStore === undefined ? {} : { jobStore }),
    ...(status === undefined ? {} : { paused: status === 'paused' }),
    offset,
    limit,
  });
}

/** How many jobs there are: in all, scheduled, paused; counted by the stores, not read. */
export async function jobCounts(
  scheduler: Scheduler,
): Promise<{ total: number; scheduled: number; paused: number }> {
  const [all, paused] = await Promise.all([
    scheduler.queryJobs({ limit: 1 }),
    scheduler.queryJobs({ paused: true, limit: 1 }),
  ]);
  return { total: all.total, scheduled: all.total - paused.total, paused: paused.total };
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
