// Constructors that take an options object refuse a key they do not know, naming it (and the
// closest known one), instead of ignoring a misspelt option. Neither constructor connects or starts.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, JobStoreError } from '../../src/errors.js';
import { AsyncExecutor } from '../../src/executors/async-executor.js';
import { createExecutor } from '../../src/executors/registry.js';
import { RedisJobStore } from '../../src/stores/redis/index.js';
import { createJobStoreFromConfig } from '../../src/stores/registry.js';

function thrown(make: () => unknown): Error {
  try {
    make();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('AsyncExecutor options', () => {
  it('refuses an unknown option with InvalidArgumentError naming it and the closest one', () => {
    const error = thrown(() => new AsyncExecutor({ maxConcurency: 5 } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe('maxConcurency');
    expect(error.message).toBe(
      'Unknown AsyncExecutor option "maxConcurency" (did you mean "maxConcurrency"?); options are: maxConcurrency',
    );
  });

  it('refuses it through { type: "async" } configuration too, and an option far from any', () => {
    const error = thrown(() => createExecutor({ type: 'async', workers: 4 }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('Unknown AsyncExecutor option "workers"; options are: maxConcurrency');
  });

  it('refuses options that are not an object', () => {
    for (const options of [null, 5, [1]]) {
      const error = thrown(() => new AsyncExecutor(options as never));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe('options');
    }
  });

  it('still takes its known option', () => {
    expect(new AsyncExecutor({ maxConcurrency: 3 }).maxConcurrency).toBe(3);
    expect(new AsyncExecutor({ maxConcurrency: undefined }).maxConcurrency).toBe(10);
  });
});

describe('RedisJobStore options', () => {
  it('refuses an unknown option with JobStoreError naming it and the closest one', () => {
    const error = thrown(() => new RedisJobStore({ url: 'redis://127.0.0.1:6379', prefx: 'app:' } as never));
    expect(error).toBeInstanceOf(JobStoreError);
    expect(error.message).toMatch(
      /^Unknown RedisJobStore option "prefx" \(did you mean "prefix"\?\); options are: url, client, nodes, natMap, prefix, /,
    );
  });

  it('refuses a case slip through { type: "redis" } configuration', async () => {
    const error = await createJobStoreFromConfig({
      type: 'redis',
      URL: 'redis://127.0.0.1:6379',
    }).then(
      () => undefined,
      (rejection: unknown) => rejection as Error,
    );
    expect(error).toBeInstanceOf(JobStoreError);
    expect(error?.message).toContain('Unknown RedisJobStore option "URL" (did you mean "url"?)');
  });

  it('refuses options that are not an object', () => {
    expect(() => new RedisJobStore('redis://127.0.0.1:6379' as never)).toThrow(JobStoreError);
  });

  it('still takes its known options', () => {
    const store = new RedisJobStore({ url: 'redis://127.0.0.1:6379', prefix: 'app:', connectTimeout: 1000 });
    expect(store.prefix).toBe('app:');
  });
});
