// The dashboard's style sheet and script, served as they are: no build step. The script is plain
// ES2020 for any current browser; it only enhances pages that work without it (links and forms),
// adding actions, live refresh and the event log.

export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #6b7280; --bg: #fff; --line: #e5e7eb; --accent: #2f5bd3; --bad: #b42318; --ok: #067647; --warn: #b54708; }
@media (prefers-color-scheme: dark) { :root { --fg: #e5e7eb; --muted: #9ca3af; --bg: #111827; --line: #374151; --accent: #8ab4f8; --bad: #f97066; --ok: #47cd89; --warn: #fdb022; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header .brand { font-weight: 700; color: inherit; text-decoration: none; }
header nav { display: flex; gap: .8rem; }
header nav a[aria-current] { font-weight: 600; text-decoration: underline; }
header .live { margin-left: auto; color: var(--muted); font-size: 12px; }
main { padding: 1rem 1.2rem; max-width: 1400px; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
code, pre { font: 12px/1.4 ui-monospace, monospace; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
.muted { color: var(--muted); } .small { font-size: 12px; }
.error-text { color: var(--bad); overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; border: 1px solid currentColor; }
.badge.success, .badge.scheduled { color: var(--ok); } .badge.error, .badge.timeout { color: var(--bad); }
.badge.missed, .badge.interrupted, .badge.paused, .badge.readonly { color: var(--warn); } .badge.none, .badge.role { color: var(--muted); }
.actions { display: inline-flex; gap: .3rem; flex-wrap: wrap; }
button { font: inherit; padding: .2rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: transparent; color: inherit; cursor: pointer; }
button:hover { border-color: var(--accent); } button.danger { color: var(--bad); } button:disabled { opacity: .5; cursor: wait; }
.cards { display: flex; gap: .8rem; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .6rem 1rem; min-width: 110px; }
.card .number { font-size: 24px; font-weight: 700; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
form.search { display: flex; gap: .5rem; margin: .5rem 0; }
input, select, textarea { font: inherit; padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 6px; background: transparent; color: inherit; }
input[type=search] { min-width: 280px; } textarea { width: 100%; font-family: ui-monospace, monospace; }
.field { margin: .5rem 0; display: flex; flex-direction: column; gap: .2rem; max-width: 560px; }
.field-error { color: var(--bad); margin: 0; font-size: 12px; }
.pager { display: flex; gap: 1rem; }
#toast { position: fixed; bottom: 1rem; right: 1rem; padding: .6rem 1rem; border-radius: 8px; background: var(--bad); color: #fff; max-width: 480px; }
`;

export const DASHBOARD_JS = `
(() => {
  'use strict';
  const root = document.documentElement;
  const base = root.dataset.base || '';
  const token = root.dataset.csrf || '';
  const headers = { 'x-horae-csrf': token, 'content-type': 'application/json' };
  const toast = document.getElementById('toast');
  const live = document.getElementById('live-status');

  function showError(message) {
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => { toast.hidden = true; }, 6000);
  }

  async function errorOf(response) {
    try {
      const body = await response.json();
      return body.error || { message: response.statusText };
    } catch (_) {
      return { message: response.status + ' ' + response.statusText };
    }
  }

  function jobUrl(id, store, action) {
    return base + '/api/jobs/' + encodeURIComponent(id) + (action ? '/' + action : '') +
      (store ? '?jobStore=' + encodeURIComponent(store) : '');
  }

  // Live refresh: the page asks for itself again and swaps each [data-live] section by id, so what
  // the user is typing in a form (outside those sections) is kept.
  let refreshTimer = null;
  let refreshing = false;
  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(load, 120);
  }
  async function load() {
    if (refreshing) return refresh();
    refreshing = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin' });
      if (response.status === 404 && root.dataset.page === 'job') {
        location.assign(base + '/jobs');
        return;
      }
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
      for (const fresh of doc.querySelectorAll('[data-live][id]')) {
        const current = document.getElementById(fresh.id);
        if (current) current.replaceWith(document.importNode(fresh, true));
      }
    } finally {
      refreshing = false;
    }
  }

  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const { action, job, store, after } = button.dataset;
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    const url = action.startsWith('scheduler-')
      ? base + '/api/scheduler/' + action.slice('scheduler-'.length)
      : jobUrl(job, store, action === 'remove' ? '' : action);
    try {
      const response = await fetch(url, {
        method: action === 'remove' ? 'DELETE' : 'POST',
        headers,
        credentials: 'same-origin',
      });
      if (!response.ok) {
        const error = await errorOf(response);
        showError(error.message);
      } else if (action === 'remove' && after) {
        location.assign(after);
        return;
      }
      refresh();
    } finally {
      button.disabled = false;
    }
  });

  document.addEventListener('submit', async (event) => {
    const form = event.target.closest('form[data-edit-trigger]');
    if (!form) return;
    event.preventDefault();
    for (const p of form.querySelectorAll('[data-error-for]')) { p.hidden = true; p.textContent = ''; }
    const data = new FormData(form);
    const crontab = String(data.get('crontab') || '').trim();
    const timezone = String(data.get('timezone') || '').trim();
    let trigger;
    if (crontab !== '') {
      trigger = { type: 'cron', crontab };
      if (timezone !== '') trigger.timezone = timezone;
    } else {
      try {
        trigger = JSON.parse(String(data.get('json') || ''));
      } catch (error) {
        return fieldError(form, 'json', 'Not valid JSON: ' + error.message);
      }
    }
    const response = await fetch(jobUrl(form.dataset.job, form.dataset.store, ''), {
      method: 'PATCH', headers, credentials: 'same-origin', body: JSON.stringify({ trigger }),
    });
    if (response.ok) return refresh();
    const error = await errorOf(response);
    const field = String(error.field || '');
    const target = field === 'timezone' || field === 'trigger.timezone' ? 'timezone' : crontab !== '' ? 'crontab' : 'json';
    fieldError(form, target, error.message);
  });

  function fieldError(form, name, message) {
    const p = form.querySelector('[data-error-for="' + name + '"]');
    if (!p) return showError(message);
    p.textContent = message;
    p.hidden = false;
    const input = form.querySelector('[name="' + name + '"]');
    if (input) input.setAttribute('aria-invalid', 'true');
  }

  const eventRows = document.getElementById('event-rows');
  function addEventRow(view) {
    const placeholder = eventRows.querySelector('.placeholder');
    if (placeholder) placeholder.remove();
    const tr = document.createElement('tr');
    tr.dataset.type = view.type;
    const times = view.scheduledRunTime || (view.scheduledRunTimes || []).join(', ');
    const detail = view.error ? view.error.name + ': ' + view.error.message
      : view.interruptedNode ? times + ': node ' + view.interruptedNode + ' stopped heartbeating' +
        (view.recovered ? '; it runs once more' : '')
      : times || view.alias || '';
    for (const text of [new Date(view.at).toLocaleTimeString(), view.type, view.jobId || '', detail]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    eventRows.prepend(tr);
    while (eventRows.rows.length > 200) eventRows.deleteRow(-1);
  }

  // Heartbeats are not events: the Nodes page asks for itself again every few seconds.
  if (root.dataset.page === 'nodes') setInterval(refresh, 5000);

  if (window.EventSource) {
    const source = new EventSource(base + '/api/events', { withCredentials: true });
    source.addEventListener('ready', () => { live.textContent = 'live'; live.dataset.connected = 'true'; });
    source.onerror = () => { live.textContent = 'reconnecting…'; live.dataset.connected = 'false'; };
    source.onmessage = (message) => {
      const view = JSON.parse(message.data);
      if (eventRows) addEventRow(view);
      else refresh();
    };
  }
})();
`;
