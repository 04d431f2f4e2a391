import type { BrokerMessage } from '../events/event-broker.js';

/**
 * The `BrokerMessage` that `text` holds, rebuilt from its known fields only; `null` when `text` is
 * not JSON, or not a message of a known kind with fields of the right types (another program on
 * the channel, a newer Horae, a truncated payload). Never throws.
 */
export function decodeMessage(text: string): BrokerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || typeof value.node !== 'string') return null;
  const { kind, node } = value;
  if (kind === 'wakeup') {
    const { jobStore, at } = value;
    if (typeof jobStore !== 'string') return null;
    if (at !== null && !(typeof at === 'number' && Number.isFinite(at))) return null;
    return { kind, node, jobStore, at };
  }
  if (kind === 'event' && isRecord(value.event)) return { kind, node, event: value.event };
  return null;
}

/** The start of `text`, for a log line about a message that was dropped. */
export function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
