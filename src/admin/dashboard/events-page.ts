import { html, type SafeHtml } from './html.js';
import type { PageContext } from './layout.js';

/** The live events page: the script fills the table from the event stream as events arrive. */
export function eventsPage(_context: PageContext): SafeHtml {
  return html`<h1>Live events</h1>
    <p class="muted">Scheduler events as they happen, newest first (the last 200 are kept on the page).</p>
    <table class="events">
      <thead>
        <tr>
          <th>Time</th>
          <th>Event</th>
          <th>Job</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody id="event-rows">
        <tr class="placeholder">
          <td colspan="4" class="muted">Waiting for events…</td>
        </tr>
      </tbody>
    </table>`;
}
