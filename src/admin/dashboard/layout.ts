import { html, type SafeHtml } from './html.js';

/** What every page needs from the handler. */
export interface PageContext {
  base: string;
  title: string;
  csrfToken: string;
  readOnly: boolean;
  showArgs: boolean;
  timezone: string;
  schedulerState: string;
}

export type PageName = 'overview' | 'jobs' | 'job' | 'nodes' | 'events';

const NAV: [PageName, string, string][] = [
  ['overview', 'Overview', '/'],
  ['jobs', 'Jobs', '/jobs'],
  ['nodes', 'Nodes', '/nodes'],
  ['events', 'Live events', '/events'],
];

/**
 * A whole page: the shell (navigation, token, script) around `main`. The script reads the base
 * path and the CSRF token from the `<html>` element's data attributes.
 */
export function page(context: PageContext, name: PageName, heading: string, main: SafeHtml): SafeHtml {
  const { base } = context;
  return html`<!doctype html>
    <html
      lang="en"
      data-base="${base}"
      data-csrf="${context.csrfToken}"
      data-read-only="${String(context.readOnly)}"
      data-page="${name}"
    >
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${heading} · ${context.title}</title>
        <link rel="stylesheet" href="${base}/assets/dashboard.css" />
        <script src="${base}/assets/dashboard.js" defer></script>
      </head>
      <body>
        <header>
          <a class="brand" href="${base}/">${context.title}</a>
          <nav>
            ${NAV.map(
              ([key, label, path]) =>
                html`<a
                  href="${base}${path}"
                  ${key === name || (name === 'job' && key === 'jobs') ? html` aria-current="page"` : ''}
                  >${label}</a
                >`,
            )}
          </nav>
          ${schedulerControl(context)}
          ${context.readOnly ? html`<span class="badge readonly">read-only</span>` : ''}
          <span class="live" id="live-status" aria-live="polite">offline</span>
        </header>
        <main id="main">${main}</main>
        <div id="toast" role="alert" hidden></div>
      </body>
    </html>`;
}

/** The scheduler's state, and a button that pauses or resumes it (none while stopped or read-only). */
function schedulerControl(context: PageContext): SafeHtml {
  const state = context.schedulerState;
  const action = state === 'running' ? 'pause' : state === 'paused' ? 'resume' : null;
  return html`<span id="scheduler-control" data-live
    ><span class="state" id="scheduler-state" data-state="${state}">scheduler ${state}</span>${
      context.readOnly || action === null
        ? ''
        : html` <button type="button" data-action="scheduler-${action}">
            ${action === 'pause' ? 'Pause' : 'Resume'} scheduler
          </button>`
    }</span
  >`;
}
