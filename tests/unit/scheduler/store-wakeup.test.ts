// A store that learns of a change made elsewhere (another process added a job) asks the scheduler
// for a pass through `JobStoreContext.wakeup`, so the job runs now rather than after `maxSleep`.
import { describe, expect, it } from 'vitest';
import { MemoryJobStore, type JobStoreContext } from '../../../src/index.js';
import { makeJob } from '../../helpers/jobs.js';
import { waitUntil } from '../../helpers/wait.js';
import { T0, useSchedulers } from './helpers.js';

/** The memory store, keeping the context the scheduler starts it with. */
class WatchingStore extends MemoryJobStore {
  context: JobStoreContext | undefined;
  override async start(context: JobStoreContext): Promise<void> {
    this.context = context;
    await super.start(context);
  }
}

const makeScheduler = useSchedulers();

describe('JobStoreContext.wakeup', () => {
  it('runs a job another process stored without waiting for maxSleep', async () => {
    const store = new WatchingStore();
    const { clock, scheduler } = makeScheduler({ jobStores: { default: store }, maxSleep: 3600 });
    const fired: number[] = [];
    await scheduler.registerTask('tick', () => fired.push(clock.now() - T0));
    await scheduler.start();
    await clock.advance(1000);
    // As another process would: straight into the store, so the scheduler never heard of it.
    await store.addJob(makeJob('elsewhere', T0 + 500, { func: 'tick', misfireGraceTime: null }));
    expect(store.context?.wakeup).toBeTypeOf('function');
    store.context?.wakeup?.();
    await waitUntil(() => fired.length === 1, 'the job to run after wakeup()');
    expect(fired).toEqual([1000]);
  });
});
