import { html, type SafeHtml } from './html.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `date` as `2026-12-07 10:30:00` in `zone`. */
export function formatTime(date: Date, zone: string): string {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, formatter);
  }
  return formatter.format(date);
}

/** A `<time>` element for `date` in `zone`, or a dash. */
export function timeCell(date: Date | string | null | undefined, zone: string): SafeHtml {
  if (date === null || date === undefined) return html`<span class="muted">—</span>`;
  const value = typeof date === 'string' ? new Date(date) : date;
  return html`<time datetime="${value.toISOString()}">${formatTime(value, zone)}</time>`;
}

/** An outcome badge: success, error, timeout, missed, or none. */
export function outcomeBadge(outcome: string | null | undefined): SafeHtml {
  if (outcome === null || outcome === undefined) return html`<span class="badge none">no runs</span>`;
  return html`<span class="badge ${outcome}">${outcome}</span>`;
}
