import { describe, expect, it } from 'vitest';
import { retryDelay, shouldRetry } from '../../../src/runs/retry.js';
import { readRetry } from '../../../src/scheduler/options.js';

const policy = (options: Parameters<typeof readRetry>[0]) => readRetry(options)!;

describe('retry policy', () => {
  it('exponential backoff doubles from delay and is capped by maxDelay', () => {
    const exponential = policy({ attempts: 10, delay: 1, maxDelay: 5 });
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(exponential, attempt))).toEqual([1, 2, 4, 5, 5]);
  });

  it('fixed backoff waits delay each time, also capped by maxDelay', () => {
    expect(retryDelay(policy({ attempts: 3, delay: 2, backoff: 'fixed' }), 2)).toBe(2);
    expect(retryDelay(policy({ attempts: 3, delay: 20, backoff: 'fixed', maxDelay: 3 }), 1)).toBe(3);
  });

  it('retries until attempts are used up, the first attempt counted', () => {
    const three = policy(3);
    expect(shouldRetry(three, 1, new Error('x'))).toBe(true);
    expect(shouldRetry(three, 2, new Error('x'))).toBe(true);
    expect(shouldRetry(three, 3, new Error('x'))).toBe(false);
    expect(shouldRetry(null, 1, new Error('x'))).toBe(false);
  });

  it('retryOn matches the error name; a thrown non-object is retried only when retryOn is null', () => {
    const network = policy({ attempts: 3, retryOn: ['NetworkError'] });
    const named = Object.assign(new Error('down'), { name: 'NetworkError' });
    expect(shouldRetry(network, 1, named)).toBe(true);
    expect(shouldRetry(network, 1, new TypeError('bug'))).toBe(false);
    expect(shouldRetry(network, 1, 'NetworkError')).toBe(false);
    expect(shouldRetry(policy(3), 1, 'anything')).toBe(true);
  });
});
