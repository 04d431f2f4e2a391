// The JSON routes of the admin API, under `<basePath>/api`. Every route answers JSON; errors are
// `{ error: { code, message, field? } }` with 400 (bad input), 404 (unknown job), 409 (conflict),
// 413 (body too large). Reads are GET; actions are POST, PATCH and DELETE (see security.ts).
import type { Context, Hono } from 'hono';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { AdminSettings } from './admin-options.js';
import { clusterView } from './cluster-view.js';
import type { EventHub } from './event-stream.js';
import { HttpError } from './http-errors.js';
import { readAddRequest, readModifyRequest } from './job-input.js';
import { healthView, jobView, runView } from './job-view.js';
import { jobCounts, listJobs, requireJob, runsPage, type JobQuery } from './operations.js';
import { readJsonObject } from './request-body.js';
import { CSRF_HEADER } from './security.js';

/** The most next run times one request may ask for. */
const MAX_PREVIEW = 100;
/** The most jobs or runs one page may hold. */
const MAX_PAGE = 500;

/** A query parameter as an integer in `[min, max]`, or `fallback` when absent. */
export function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(
      400,
      'ERR_INVALID_ARGUMENT',
      `Query parameter ${name} must be an integer from ${min} to ${max}`,
      name,
    );
  }
  return value;
}

/** The job list query of a request (`search`, `jobStore`, `status`, `offset`, `limit`). */
export function jobQuery(c: Context, pageSize: number): JobQuery {
  const status = c.req.query('status') || undefined;
  if (status !== undefined && status !== 'scheduled' && status !== 'paused') {
    throw new HttpError(
      400,
      'ERR_INVALID_ARGUMENT',
      'Query parameter status must be "scheduled" or "paused"',
      'status',
    );
  }
  return {
    search: c.req.query('search') ?? undefined,
    jobStore: c.req.query('jobStore') || undefined,
    status,
    offset: intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(c, 'limit', pageSize, 1, MAX_PAGE),
  };
}

const store = (c: Context) => c.req.query('jobStore') || undefined;

export function apiRoutes(app: Hono, scheduler: Scheduler, settings: AdminSettings, events: EventHub): void {
  const view = (job: Parameters<typeof jobView>[0]) => jobView(job, scheduler, settings.showArgs);
  const findJob = (c: Context) => requireJob(scheduler, c.req.param('id') as string, store(c));

  app.get('/api/csrf-token', (c) => c.json({ token: settings.csrfToken, header: CSRF_HEADER }));

  app.get('/api/scheduler', async (c) => {
    const [counts, health] = await Promise.all([jobCounts(scheduler), scheduler.health()]);
    return c.json({
      state: scheduler.state,
      timezone: scheduler.timezone,
      readOnly: settings.readOnly,
      jobs: counts,
      health,
    });
  });

  app.get('/api/jobs', async (c) => {
    const query = jobQuery(c, settings.pageSize);
    const page = await listJobs(scheduler, query);
    return c.json({ jobs: page.jobs.map(view), total: page.total, offset: query.offset, limit: query.limit });
  });

  app.get('/api/jobs/:id', async (c) => {
    const job = await findJob(c);
    const count = intParam(c, 'next', 10, 1, MAX_PREVIEW);
    const [times, health] = await Promise.all([
      scheduler.getNextRunTimes(job.id, count, { jobStore: job.jobStore }),
      scheduler.getJobHealth(job.id, { jobStore: job.jobStore }),
    ]);
    return c.json({
      ...view(job),
      nextRunTimes: times.map((time) => time.toISOString()),
      health: healthView(health),
    });
  });

  app.get('/api/jobs/:id/runs', async (c) => {
    const job = await findJob(c);
    const offset = intParam(c, 'offset', 0, 0, 100_000);
    const limit = intParam(c, 'limit', 20, 1, MAX_PAGE);
    const page = await runsPage(scheduler, job, offset, limit);
    return c.json({ runs: page.runs.map(runView), offset, limit, hasMore: page.hasMore });
  });

  app.post('/api/jobs', async (c) => {
    const body = await readJsonObject(c.req.raw, settings.maxBodyBytes);
    const request = readAddRequest(body, scheduler.timezone);
    const job = await scheduler.addJob(request.func, request.trigger, request.options);
    return c.json(view(job), 201);
  });

  app.patch('/api/jobs/:id', async (c) => {
    const body = await readJsonObject(c.req.raw, settings.maxBodyBytes);
    const { changes, trigger } = readModifyRequest(body, scheduler.timezone);
    let job = await findJob(c);
    if (Object.keys(changes).length > 0) job = await job.modify(changes);
    if (trigger !== undefined) {
      const paused = job.nextRunTime === null;
      await job.reschedule(trigger);
      // A new trigger does not resume a job someone paused.
      if (paused) await job.pause();
    }
    return c.json(view(job));
  });

  app.post('/api/jobs/:id/pause', async (c) => c.json(view(await (await findJob(c)).pause())));

  app.post('/api/jobs/:id/resume', async (c) => {
    const job = await (await findJob(c)).resume();
    return job === null ? c.json({ removed: true }) : c.json(view(job));
  });

  app.post('/api/jobs/:id/run', async (c) => {
    const job = await findJob(c);
    await scheduler.runJob(job.id, { jobStore: job.jobStore });
    return c.json({ submitted: true }, 202);
  });

  app.delete('/api/jobs/:id', async (c) => {
    await (await findJob(c)).remove();
    return c.body(null, 204);
  });

  // The nodes and runs in progress of one store (`?jobStore=`, default "default").
  app.get('/api/nodes', async (c) => {
    const { jobStore, nodes } = await clusterView(scheduler, store(c) ?? 'default');
    return c.json({ jobStore, nodes });
  });

  app.get('/api/runs/active', async (c) => {
    const { jobStore, runs } = await clusterView(scheduler, store(c) ?? 'default');
    return c.json({ jobStore, runs });
  });

  app.post('/api/scheduler/pause', (c) => {
    scheduler.pause();
    return c.json({ state: scheduler.state });
  });

  app.post('/api/scheduler/resume', (c) => {
    scheduler.resume();
    return c.json({ state: scheduler.state });
  });

  app.get('/api/events', (c) => events.respond(c));
}
