import type { HealthView, JobView, RunView } from '../job-view.js';
import { outcomeBadge, timeCell } from './format.js';
import { html, type SafeHtml } from './html.js';
import { jobLink } from './job-actions.js';
import type { PageContext } from './layout.js';

export interface OverviewData {
  counts: { total: number; scheduled: number; paused: number };
  /** Live nodes in the default store. */
  nodes: number;
  /** Jobs whose latest runs failed, most failures first. */
  failing: { job: JobView; health: HealthView }[];
  overdue: { job: JobView; health: HealthView }[];
  /** The latest failure of each job, newest first. */
  recentErrors: { job: JobView; health: HealthView }[];
  /**
   * Interrupted runs on record, newest first: of the jobs whose latest failure was an interruption
   * (their node stopped heartbeating during the run).
   */
  interrupted: { job: JobView; run: RunView }[];
  /** How many jobs the lists were drawn from (all, unless there are more than the overview reads). */
  examined: number;
}

function jobList(
  context: PageContext,
  items: OverviewData['failing'],
  empty: string,
  detail: (item: OverviewData['failing'][number]) => SafeHtml,
): SafeHtml {
  if (items.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<ul class="job-list">
    ${items.map((item) => html`<li>${jobLink(context, item.job, item.job.name)} ${detail(item)}</li>`)}
  </ul>`;
}

/** The overview: counts, failing and overdue jobs, recent errors and interrupted runs. */
export function overviewPage(context: PageContext, data: OverviewData): SafeHtml {
  const { counts } = data;
  return html`<h1>Overview</h1>
    <section id="overview" data-live>
      <div class="cards">
        <div class="card">
          <div class="number" data-count="total">${counts.total}</div>
          <div>jobs</div>
        </div>
        <div class="card">
          <div class="number" data-count="scheduled">${counts.scheduled}</div>
          <div>scheduled</div>
        </div>
        <div class="card">
          <div class="number" data-count="paused">${counts.paused}</div>
          <div>paused</div>
        </div>
        <div class="card">
          <div class="number" data-count="failing">${data.failing.length}</div>
          <div>failing</div>
        </div>
        <div class="card">
          <div class="number" data-count="overdue">${data.overdue.length}</div>
          <div>overdue</div>
        </div>
        <div class="card">
          <div class="number" data-count="nodes">${data.nodes}</div>
          <div><a href="${context.base}/nodes">node${data.nodes === 1 ? '' : 's'}</a></div>
        </div>
      </div>
      ${data.examined < counts.total ? html`<p class="muted">Failing, overdue and errors are drawn from the first ${data.examined} jobs.</p>` : ''}
      <h2>Failing jobs</h2>
      ${jobList(context, data.failing, 'No job is failing.', ({ job, health }) => html`<span class="badge error">${health.consecutiveFailures} failure${health.consecutiveFailures === 1 ? '' : 's'} in a row</span> <span class="small muted">${job.trigger.description}</span>`)}
      <h2>Overdue jobs</h2>
      ${jobList(context, data.overdue, 'No job is overdue.', ({ job, health }) => html`<span class="small">due since ${timeCell(health.overdueSince, job.timezone)}</span>`)}
      <h2>Recent errors</h2>
      ${
        data.recentErrors.length === 0
          ? html`<p class="muted">No recent errors.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>Job</th>
                  <th>When</th>
                  <th>Outcome</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                ${data.recentErrors.map(
                  ({ job, health }) =>
                    html`<tr>
                      <td>${jobLink(context, job, job.name)}</td>
                      <td>${timeCell(health.lastFailure?.at, job.timezone)}</td>
                      <td>${outcomeBadge(health.lastFailure?.outcome)}</td>
                      <td class="error-text">
                        ${health.lastFailure?.error ? `${health.lastFailure.error.name}: ${health.lastFailure.error.message}` : ''}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <h2>Recent interrupted runs</h2>
      ${
        data.interrupted.length === 0
          ? html`<p class="muted">No interrupted runs.</p>`
          : html`<table class="interrupted">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Scheduled</th>
                  <th>Node that stopped</th>
                </tr>
              </thead>
              <tbody>
                ${data.interrupted.map(
                  ({ job, run }) =>
                    html`<tr data-interrupted="${job.id}">
                      <td>${jobLink(context, job, job.name)}</td>
                      <td>${timeCell(run.scheduledRunTime, job.timezone)}</td>
                      <td><code>${run.schedulerId}</code></td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
}
