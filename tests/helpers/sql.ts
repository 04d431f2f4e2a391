import { randomBytes } from 'node:crypto';

/** A table prefix no other test run uses: `horae_t_1a2b3c4d_`. */
export function uniquePrefix(tag = 't'): string {
  return `horae_${tag}_${randomBytes(4).toString('hex')}_`;
}

/**
 * A job document as a newer Horae or another process might have written it: a trigger type this
 * process does not know. `deserializeJob` refuses it.
 */
export function unreadableDocument(document: string): string {
  const parsed = JSON.parse(document) as { trigger: { type: string } };
  parsed.trigger = { ...parsed.trigger, type: 'no-such-trigger' };
  return JSON.stringify(parsed);
}
