import type { ActiveRunView, ClusterView, NodeView } from '../cluster-view.js';
import { timeCell } from './format.js';
import { html, type SafeHtml } from './html.js';
import { jobLink } from './job-actions.js';
import type { PageContext } from './layout.js';

function nodeRow(node: NodeView, zone: string): SafeHtml {
  return html`<tr data-node="${node.id}">
    <td>
      <code>${node.id}</code>${node.thisProcess ? html` <span class="badge none">this process</span>` : ''}
    </td>
    <td><span class="badge role">${node.role}</span></td>
    <td>${node.hostname}</td>
    <td>${node.pid}</td>
    <td>${timeCell(node.startedAt, zone)}</td>
    <td>${timeCell(node.lastHeartbeat, zone)}</td>
    <td>${node.heldRuns}</td>
    <td>
      ${node.executors.length === 0 ? html`<span class="muted">none</span>` : node.executors.join(', ')}
    </td>
  </tr>`;
}

function runRow(context: PageContext, run: ActiveRunView): SafeHtml {
  const zone = context.timezone;
  const state =
    run.state === 'waiting'
      ? html`<span class="badge paused">waiting for a worker</span>`
      : run.nodeLive === true
        ? html`<span class="badge scheduled">held</span>`
        : html`<span class="badge error">held by a node that stopped</span>`;
  return html`<tr data-run="${run.id}" data-state="${run.state}">
    <td>${jobLink(context, { id: run.jobId, jobStore: run.jobStore }, run.jobName)}</td>
    <td>
      ${state}${run.manual ? html` <span class="badge none">manual</span>` : ''}${run.recovery ? html` <span class="badge none">recovery</span>` : ''}
    </td>
    <td>${run.node === null ? html`<span class="muted">—</span>` : html`<code>${run.node}</code>`}</td>
    <td>${timeCell(run.createdAt, zone)}</td>
    <td>
      ${run.scheduledRunTimes.map((time, index) => html`${index > 0 ? ', ' : ''}${timeCell(time, zone)}`)}
    </td>
  </tr>`;
}

/** The live nodes of one store and its runs in progress; the script reloads them every few seconds. */
export function nodesPage(context: PageContext, data: ClusterView): SafeHtml {
  const zone = context.timezone;
  return html`<h1>Nodes</h1>
    <p class="muted">
      Scheduler processes heartbeating in job store <code>${data.jobStore}</code>, and the runs in progress
      there. A node that stops heartbeating drops out when its lease ends, and its runs are recorded as
      interrupted.
    </p>
    <section id="nodes" data-live>
      ${
        data.nodes.length === 0
          ? html`<p class="muted">No live nodes: no scheduler is heartbeating in this store.</p>`
          : html`<table class="nodes">
              <thead>
                <tr>
                  <th>Id</th>
                  <th>Role</th>
                  <th>Host</th>
                  <th>Pid</th>
                  <th>Started</th>
                  <th>Last heartbeat</th>
                  <th>Runs held</th>
                  <th>Executors</th>
                </tr>
              </thead>
              <tbody>
                ${data.nodes.map((node) => nodeRow(node, zone))}
              </tbody>
            </table>`
      }
      <h2>Runs in progress</h2>
      ${
        data.runs.length === 0
          ? html`<p class="muted">No runs in progress.</p>`
          : html`<table class="active-runs">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>State</th>
                  <th>Node</th>
                  <th>Since</th>
                  <th>Scheduled</th>
                </tr>
              </thead>
              <tbody>
                ${data.runs.map((run) => runRow(context, run))}
              </tbody>
            </table>`
      }
    </section>`;
}
