import type { JobView, RunView } from '../job-view.js';
import { outcomeBadge, timeCell } from './format.js';
import { html, type SafeHtml } from './html.js';
import { jobActions, jobLink } from './job-actions.js';
import type { PageContext } from './layout.js';

/** One row of the job list. */
export interface JobRow {
  job: JobView;
  nextRunTimes: string[];
  lastRun: RunView | null;
}

export interface JobsPageData {
  rows: JobRow[];
  total: number;
  offset: number;
  limit: number;
  search: string;
  status: string;
  jobStore: string;
}

function pageLink(context: PageContext, data: JobsPageData, offset: number): string {
  const params = new URLSearchParams();
  if (data.search !== '') params.set('search', data.search);
  if (data.status !== '') params.set('status', data.status);
  if (data.jobStore !== '') params.set('jobStore', data.jobStore);
  if (offset > 0) params.set('offset', String(offset));
  const query = params.toString();
  return `${context.base}/jobs${query === '' ? '' : `?${query}`}`;
}

function row(context: PageContext, { job, nextRunTimes, lastRun }: JobRow): SafeHtml {
  const [next, ...later] = nextRunTimes;
  return html`<tr data-job-row="${job.id}" data-paused="${String(job.paused)}">
    <td>
      ${jobLink(context, job, job.name)}
      <div class="muted small">${job.id}</div>
    </td>
    <td><code>${job.func}</code></td>
    <td>
      <code>${job.trigger.text}</code>
      <div class="small">${job.trigger.description}</div>
    </td>
    <td>${job.timezone}</td>
    <td class="status">
      ${job.paused ? html`<span class="badge paused">paused</span>` : job.pending ? html`<span class="badge none">pending</span>` : html`<span class="badge scheduled">scheduled</span>`}
    </td>
    <td>
      ${job.paused ? html`<span class="muted">—</span>` : timeCell(job.nextRunTime ?? next ?? null, job.timezone)}${
        later.length > 0
          ? html`<div class="small muted">
              then ${later.map((time, i) => html`${i > 0 ? ', ' : ''}${timeCell(time, job.timezone)}`)}
            </div>`
          : ''
      }
    </td>
    <td>
      ${outcomeBadge(lastRun?.outcome)}${lastRun?.error ? html`<div class="small error-text">${lastRun.error.message}</div>` : ''}
    </td>
    <td>${jobActions(context, job)}</td>
  </tr>`;
}

/** The jobs page: a search form, then the matching jobs, one page of them. */
export function jobsPage(context: PageContext, data: JobsPageData): SafeHtml {
  const end = data.offset + data.rows.length;
  return html`<h1>Jobs</h1>
    <form class="search" method="get" action="${context.base}/jobs" role="search">
      <input
        type="search"
        name="search"
        value="${data.search}"
        placeholder="Search by id or name"
        aria-label="Search jobs"
      />
      <select name="status" aria-label="Status">
        <option value="" ${data.status === '' ? html` selected` : ''}>any status</option>
        <option value="scheduled" ${data.status === 'scheduled' ? html` selected` : ''}>scheduled</option>
        <option value="paused" ${data.status === 'paused' ? html` selected` : ''}>paused</option>
      </select>
      ${data.jobStore === '' ? '' : html`<input type="hidden" name="jobStore" value="${data.jobStore}" />`}
      <button type="submit">Search</button>
    </form>
    <section id="jobs-list" data-live>
      <p class="muted">
        ${data.total === 0 ? 'No jobs match.' : `Jobs ${data.offset + 1}–${end} of ${data.total}`}
      </p>
      ${
        data.rows.length === 0
          ? ''
          : html`<table class="jobs">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Function</th>
                  <th>Trigger</th>
                  <th>Zone</th>
                  <th>Status</th>
                  <th>Next runs</th>
                  <th>Last outcome</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                ${data.rows.map((r) => row(context, r))}
              </tbody>
            </table>`
      }
      <nav class="pager">
        ${data.offset > 0 ? html`<a rel="prev" href="${pageLink(context, data, Math.max(0, data.offset - data.limit))}">← Previous</a>` : ''}${
          end < data.total ? html`<a rel="next" href="${pageLink(context, data, end)}">Next →</a>` : ''
        }
      </nav>
    </section>`;
}
