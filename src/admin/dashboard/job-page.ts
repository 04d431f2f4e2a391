import type { HealthView, JobView, RunView } from '../job-view.js';
import { outcomeBadge, timeCell } from './format.js';
import { html, type SafeHtml } from './html.js';
import { jobActions } from './job-actions.js';
import type { PageContext } from './layout.js';

export interface JobPageData {
  job: JobView;
  nextRunTimes: string[];
  health: HealthView;
  runs: RunView[];
  runsOffset: number;
  runsLimit: number;
  hasMoreRuns: boolean;
}

function runRow(run: RunView, zone: string): SafeHtml {
  return html`<tr data-outcome="${run.outcome}">
    <td>${outcomeBadge(run.outcome)}${run.manual ? html` <span class="badge none">manual</span>` : ''}</td>
    <td>${timeCell(run.scheduledRunTime, zone)}</td>
    <td>${timeCell(run.startedAt, zone)}</td>
    <td>${run.durationMs === null ? html`<span class="muted">—</span>` : `${run.durationMs} ms`}</td>
    <td><code class="small">${run.schedulerId}</code></td>
    <td>
      ${
        run.outcome === 'interrupted'
          ? html`<div class="muted">Its node stopped heartbeating during the run.</div>`
          : run.error === null
            ? ''
            : html`<div class="error-text"><strong>${run.error.name}</strong>: ${run.error.message}</div>
                ${
                  run.error.stack
                    ? html`<details>
                        <summary>Stack trace</summary>
                        <pre>${run.error.stack}</pre>
                      </details>`
                    : ''
                }`
      }
    </td>
  </tr>`;
}

/** The crontab line of a trigger made from one, for the edit form. */
function crontabOf(job: JobView): string {
  const json = job.trigger.json as { crontab?: unknown };
  return typeof json.crontab === 'string' ? json.crontab : '';
}

function editForm(context: PageContext, job: JobView): SafeHtml {
  if (context.readOnly) return html``;
  return html`<section>
<h2>Edit trigger</h2>
<form id="edit-trigger" data-edit-trigger data-job="${job.id}" data-store="${job.jobStore}">
<div class="field">
<label for="crontab">Crontab expression</label>
<input id="crontab" name="crontab" value="${crontabOf(job)}" placeholder="30 10 * * 1-5" spellcheck="false" autocomplete="off">
<p class="field-error" data-error-for="crontab" role="alert" hidden></p>
</div>
<div class="field">
<label for="timezone">Zone</label>
<input id="timezone" name="timezone" value="${job.timezone}" spellcheck="false" autocomplete="off">
<p class="field-error" data-error-for="timezone" role="alert" hidden></p>
</div>
<details${crontabOf(job) === '' ? html` open` : ''}>
<summary>Or any trigger, as JSON</summary>
<div class="field">
<label for="trigger-json">Trigger JSON (used when the crontab field is empty)</label>
<textarea id="trigger-json" name="json" rows="4" spellcheck="false">${JSON.stringify(job.trigger.json)}</textarea>
<p class="field-error" data-error-for="json" role="alert" hidden></p>
</div>
</details>
<button type="submit">Save trigger</button>
</form>
</section>`;
}

/** One job: its settings, actions, next fire times, health, trigger editor and run history. */
export function jobPage(context: PageContext, data: JobPageData): SafeHtml {
  const { job, health } = data;
  const zone = job.timezone;
  return html`<h1>${job.name}</h1>
    <section id="job-summary" data-live>
      <dl class="facts">
        <dt>Id</dt>
        <dd><code>${job.id}</code></dd>
        <dt>Function</dt>
        <dd><code>${job.func}</code></dd>
        <dt>Trigger</dt>
        <dd>
          <code>${job.trigger.text}</code>
          <div>${job.trigger.description}</div>
        </dd>
        <dt>Zone</dt>
        <dd>${zone}</dd>
        <dt>Status</dt>
        <dd class="status">
          ${job.paused ? html`<span class="badge paused">paused</span>` : html`<span class="badge scheduled">scheduled</span>`}
        </dd>
        <dt>Store / executor</dt>
        <dd>${job.jobStore} / ${job.executor}</dd>
        <dt>Options</dt>
        <dd>
          misfire grace ${job.misfireGraceTime === null ? 'none' : `${job.misfireGraceTime} s`}, coalesce
          ${String(job.coalesce)}, max instances ${job.maxInstances}, timeout
          ${job.timeout === null ? 'none' : `${job.timeout} s`}, retry
          ${job.retry === null ? 'none' : `${job.retry.attempts} attempts`}, if interrupted
          ${job.requestsRecovery ? 'runs once more' : 'reported only'}
        </dd>
        ${
          context.showArgs
            ? html`<dt>Arguments</dt>
                <dd><pre>${JSON.stringify(job.args ?? [], null, 2)}</pre></dd>`
            : ''
        }
        <dt>Last run</dt>
        <dd>
          ${outcomeBadge(health.lastRun?.outcome)}
          ${health.lastRun ? timeCell(health.lastRun.finishedAt ?? health.lastRun.scheduledRunTime, zone) : ''}
        </dd>
        <dt>Last success</dt>
        <dd>${timeCell(health.lastSuccess, zone)}</dd>
        <dt>Failures in a row</dt>
        <dd>${health.consecutiveFailures}</dd>
        <dt>Overdue</dt>
        <dd>
          ${health.overdue ? html`<span class="badge error">overdue since ${timeCell(health.overdueSince, zone)}</span>` : 'no'}
        </dd>
      </dl>
      ${jobActions(context, job, `${context.base}/jobs`)}
    </section>
    <section id="next-runs" data-live>
      <h2>Next ${data.nextRunTimes.length} fire times</h2>
      ${
        data.nextRunTimes.length === 0
          ? html`<p class="muted">The trigger will not fire again.</p>`
          : html`<ol class="next-runs">
              ${data.nextRunTimes.map((time) => html`<li>${timeCell(time, zone)}</li>`)}
            </ol>`
      }
      ${job.paused ? html`<p class="muted">Paused: these are the times it would fire from now once resumed.</p>` : ''}
    </section>
    ${editForm(context, job)}
    <section id="run-history" data-live>
      <h2>Run history</h2>
      ${
        data.runs.length === 0
          ? html`<p class="muted">No runs recorded${data.runsOffset > 0 ? ' on this page' : ''}.</p>`
          : html`<table class="runs">
              <thead>
                <tr>
                  <th>Outcome</th>
                  <th>Scheduled</th>
                  <th>Started</th>
                  <th>Duration</th>
                  <th>Node</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                ${data.runs.map((run) => runRow(run, zone))}
              </tbody>
            </table>`
      }
      <nav class="pager">
        ${
          data.runsOffset > 0
            ? html`<a
                rel="prev"
                href="?jobStore=${encodeURIComponent(job.jobStore)}&amp;runsOffset=${Math.max(0, data.runsOffset - data.runsLimit)}"
                >← Newer</a
              >`
            : ''
        }${
          data.hasMoreRuns
            ? html`<a
                rel="next"
                href="?jobStore=${encodeURIComponent(job.jobStore)}&amp;runsOffset=${data.runsOffset + data.runsLimit}"
                >Older →</a
              >`
            : ''
        }
      </nav>
    </section>`;
}
