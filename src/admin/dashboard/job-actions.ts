import type { JobView } from '../job-view.js';
import { html, type SafeHtml } from './html.js';
import type { PageContext } from './layout.js';

/**
 * The buttons of one job: pause or resume, run now, remove (which asks first). None in read-only
 * mode. `afterRemove` is where the page goes once the job is gone (the job page leaves itself).
 */
export function jobActions(context: PageContext, job: JobView, afterRemove?: string): SafeHtml {
  if (context.readOnly) return html``;
  const common = html`data-job="${job.id}" data-store="${job.jobStore}"`;
  return html`<span class="actions"
    >${
      job.paused
        ? html`<button type="button" data-action="resume" ${common}>Resume</button>`
        : html`<button type="button" data-action="pause" ${common}>Pause</button>`
    }<button type="button" data-action="run" ${common}>Run now</button
    ><button
      type="button"
      class="danger"
      data-action="remove"
      ${common}
      data-confirm="Remove job “${job.name}” (${job.id})? This cannot be undone."
      ${afterRemove === undefined ? '' : html` data-after="${afterRemove}"`}
    >
      Remove
    </button></span
  >`;
}

/** A job's link to its own page. */
export function jobLink(context: PageContext, job: { id: string; jobStore: string }, text: string): SafeHtml {
  return html`<a
    href="${context.base}/jobs/${encodeURIComponent(job.id)}?jobStore=${encodeURIComponent(job.jobStore)}"
    >${text}</a
  >`;
}
