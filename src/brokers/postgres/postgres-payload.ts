import type { BrokerMessage } from '../../events/event-broker.js';

/**
 * PostgreSQL refuses a `NOTIFY` payload of 8000 bytes or more (in its default build: a block of
 * 8192 bytes, less room for the channel name and headers).
 */
export const MAX_PAYLOAD_BYTES = 7_999;

/** What stands in for a field of an event that did not fit in a payload. */
export const TRIMMED = '[too large for NOTIFY]';

/** A payload, and the fields of the event left out of it (`exception.stack`, `retval`). */
export interface Payload {
  text: string;
  trimmed: string[];
}

/**
 * The `NOTIFY` payload of `message`: its JSON with every character beyond ASCII escaped (`\u00e9`),
 * so that its length is its size in bytes whatever the database's encoding. An `event` message too
 * large for a payload loses its bulk first: the stack of each error it carries (the error still
 * arrives, with its name and message), then its largest fields, largest first, each replaced by
 * `TRIMMED`; its `code` always stays. `null` when the message still does not fit (a `wakeup` never
 * comes near the limit).
 */
export function toPayload(message: BrokerMessage): Payload | null {
  const text = asciiJson(message);
  if (text.length <= MAX_PAYLOAD_BYTES) return { text, trimmed: [] };
  if (message.kind !== 'event') return null;
  const event = { ...message.event };
  const trimmed: string[] = [];
  for (const [key, value] of Object.entries(event)) {
    const error = (value as { $error?: unknown } | null)?.$error;
    if (typeof error === 'object' && error !== null && 'stack' in error) {
      const { stack: _stack, ...rest } = error as Record<string, unknown>;
      event[key] = { $error: rest };
      trimmed.push(`${key}.stack`);
    }
  }
  const fields = Object.keys(event)
    .filter((key) => key !== 'code')
    .map((key) => ({ key, size: asciiJson(event[key]).length }))
    .sort((a, b) => b.size - a.size);
  let attempt = asciiJson({ ...message, event });
  for (const { key, size } of fields) {
    if (attempt.length <= MAX_PAYLOAD_BYTES || size <= TRIMMED.length + 2) break;
    event[key] = TRIMMED;
    trimmed.push(key);
    attempt = asciiJson({ ...message, event });
  }
  return attempt.length <= MAX_PAYLOAD_BYTES ? { text: attempt, trimmed } : null;
}

function asciiJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
