/**
 * A connection URL with its password masked, for messages and errors: `redis://app:***@db:6379`.
 * A string that does not parse as a URL still has whatever sits between `:` and `@` masked.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
