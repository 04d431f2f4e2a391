import type { RetryPolicy } from '../job-state.js';

/**
 * Whether attempt `attempt` (counting from 1), which failed with `error`, is tried again under
 * `policy`: attempts are left and the error's `name` is one `retryOn` lists (any error when `null`).
 * A thrown value that is not an object has no name and is retried only when `retryOn` is `null`.
 */
export function shouldRetry(policy: RetryPolicy | null, attempt: number, error: unknown): boolean {
  if (policy === null || attempt >= policy.attempts) return false;
  if (policy.retryOn === null) return true;
  const name = error !== null && typeof error === 'object' ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' && policy.retryOn.includes(name);
}

/**
 * Seconds to wait after failed attempt `attempt` (counting from 1): `delay` each time when fixed,
 * `delay * 2^(attempt - 1)` when exponential; never more than `maxDelay`.
 */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  const delay = policy.backoff === 'fixed' ? policy.delay : policy.delay * 2 ** (attempt - 1);
  return Math.min(delay, policy.maxDelay);
}
