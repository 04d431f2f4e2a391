// The dashboard's pages, rendered on the server from the same operations as the API.
import type { Context, Hono } from 'hono';
import type { Job } from '../../scheduler/job.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import type { AdminSettings } from '../admin-options.js';
import { intParam, jobQuery } from '../api-routes.js';
import { clusterView } from '../cluster-view.js';
import { healthView, jobView, runView, type HealthView, type JobView, type RunView } from '../job-view.js';
import { jobCounts, listJobs, requireJob, runsPage } from '../operations.js';
import { DASHBOARD_CSS, DASHBOARD_JS } from './assets.js';
import { eventsPage } from './events-page.js';
import type { SafeHtml } from './html.js';
import { jobPage } from './job-page.js';
import { jobsPage } from './jobs-page.js';
import { page, type PageContext, type PageName } from './layout.js';
import { nodesPage } from './nodes-page.js';
import { overviewPage } from './overview-page.js';

/** The most jobs whose health the overview reads, so a huge store does not stall it. */
const OVERVIEW_LIMIT = 1_000;
/** Jobs whose health is read at once. */
const PARALLEL_READS = 8;
/** The most entries of each of the overview's lists of recent errors and interrupted runs. */
const RECENT = 20;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** `fn` over `items`, `PARALLEL_READS` at a time, results in order. */
async function mapLimited<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, items.length) }, worker));
  return results;
}

type JobHealthItem = { job: JobView; health: HealthView };

/** The jobs whose latest failure's outcome passes `keep`, the newest failure first. */
function newestFailures(items: JobHealthItem[], keep: (outcome: string) => boolean): JobHealthItem[] {
  return items
    .filter(({ health }) => health.lastFailure !== null && keep(health.lastFailure.outcome))
    .sort((a, b) => (b.health.lastFailure?.at ?? '').localeCompare(a.health.lastFailure?.at ?? ''))
    .slice(0, RECENT);
}

export function dashboardRoutes(app: Hono, scheduler: Scheduler, settings: AdminSettings): void {
  const context = (): PageContext => ({
    base: settings.basePath,
    title: settings.title,
    csrfToken: settings.csrfToken,
    readOnly: settings.readOnly,
    showArgs: settings.showArgs,
    timezone: scheduler.timezone,
    schedulerState: scheduler.state,
  });
  const view = (job: Job) => jobView(job, scheduler, settings.showArgs);
  const send = (c: Context, name: PageName, heading: string, render: (ctx: PageContext) => SafeHtml) => {
    const ctx = context();
    return c.html(page(ctx, name, heading, render(ctx)).text, 200, SECURITY_HEADERS);
  };

  app.get('/assets/dashboard.css', (c) =>
    c.body(DASHBOARD_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/assets/dashboard.js', (c) =>
    c.body(DASHBOARD_JS, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
    }),
  );

  app.get('/', async (c) => {
    const [counts, first] = await Promise.all([
      jobCounts(scheduler),
      scheduler.queryJobs({ limit: OVERVIEW_LIMIT }),
    ]);
    const examined = first.jobs;
    const healths = await mapLimited(examined, async (job) => ({
      job: view(job),
      health: healthView(await scheduler.getJobHealth(job.id, { jobStore: job.jobStore })),
    }));
    const failing = healths
      .filter(({ health }) => health.consecutiveFailures > 0)
      .sort((a, b) => b.health.consecutiveFailures - a.health.consecutiveFailures);
    const overdue = healths.filter(({ health }) => health.overdue);
    // Errors and timeouts; a missed or interrupted run is not an error of the job's.
    const recentErrors = newestFailures(
      healths,
      (outcome) => outcome !== 'missed' && outcome !== 'interrupted',
    );
    const [nodes, interrupted] = await Promise.all([
      scheduler.getNodes(),
      interruptedRuns(newestFailures(healths, (outcome) => outcome === 'interrupted')),
    ]);
    return send(c, 'overview', 'Overview', (ctx) =>
      overviewPage(ctx, {
        counts,
        nodes: nodes.length,
        failing,
        overdue,
        recentErrors,
        interrupted,
        examined: examined.length,
      }),
    );
  });

  app.get('/jobs', async (c) => {
    const query = jobQuery(c, settings.pageSize);
    const result = await listJobs(scheduler, query);
    const rows = await mapLimited(result.jobs, async (job) => {
      const [times, runs] = await Promise.all([
        // From the trigger of the job in hand: no second lookup of the job per row.
        scheduler.getNextRunTimes(job.trigger, 3, job.nextFireTime ? { from: job.nextFireTime } : {}),
        scheduler.getRuns(job.id, { jobStore: job.jobStore, limit: 1 }),
      ]);
      return {
        job: view(job),
        nextRunTimes: times.map((time) => time.toISOString()),
        lastRun: runs[0] === undefined ? null : runView(runs[0]),
      };
    });
    return send(c, 'jobs', 'Jobs', (ctx) =>
      jobsPage(ctx, {
        rows,
        total: result.total,
        offset: query.offset,
        limit: query.limit,
        search: query.search ?? '',
        status: query.status ?? '',
        jobStore: query.jobStore ?? '',
      }),
    );
  });

  app.get('/jobs/:id', async (c) => {
    const job = await requireJob(scheduler, c.req.param('id'), c.req.query('jobStore') || undefined);
    const runsOffset = intParam(c, 'runsOffset', 0, 0, 100_000);
    const runsLimit = 20;
    const [times, health, runs] = await Promise.all([
      scheduler.getNextRunTimes(job.id, 10, { jobStore: job.jobStore }),
      scheduler.getJobHealth(job.id, { jobStore: job.jobStore }),
      runsPage(scheduler, job, runsOffset, runsLimit),
    ]);
    return send(c, 'job', job.name, (ctx) =>
      jobPage(ctx, {
        job: view(job),
        nextRunTimes: times.map((time) => time.toISOString()),
        health: healthView(health),
        runs: runs.runs.map(runView),
        runsOffset,
        runsLimit,
        hasMoreRuns: runs.hasMore,
      }),
    );
  });

  app.get('/nodes', async (c) => {
    const data = await clusterView(scheduler, c.req.query('jobStore') || 'default');
    return send(c, 'nodes', 'Nodes', (ctx) => nodesPage(ctx, data));
  });

  app.get('/events', (c) => send(c, 'events', 'Live events', eventsPage));

  /** The interrupted runs on record of these jobs, newest first, each with its job. */
  async function interruptedRuns(items: JobHealthItem[]): Promise<{ job: JobView; run: RunView }[]> {
    const runs = await mapLimited(items, async ({ job }) =>
      (await scheduler.getRuns(job.id, { jobStore: job.jobStore }))
        .filter((run) => run.outcome === 'interrupted')
        .map((run) => ({ job, run: runView(run) })),
    );
    return runs
      .flat()
      .sort((a, b) => b.run.scheduledRunTime.localeCompare(a.run.scheduledRunTime))
      .slice(0, RECENT);
  }
}
