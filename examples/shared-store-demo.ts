// What store-postgres.ts, store-mysql.ts and store-redis.ts show once they have a store: two
// schedulers sharing it, as two processes on two machines would.
//
// The tutorials warn "多个调度器之间绝对不能共享 job 存储" (never share a job store between
// schedulers; tutorials 001, 003, 004), because APScheduler 3 would run each job in every one.
// Horae's stores lease each due job to one scheduler, so the schedulers share the work and every run
// happens once. Not an example to run by itself: the store examples import it.
import { Scheduler, currentJob, type JobStore } from 'horae';

/** The name the job function is stored under; each process registers it (see store-sqlite.ts). */
const TASK = 'tick';

/**
 * Runs an interval job on two schedulers sharing one store, checks that no run happened twice,
 * then starts a third scheduler to show the job is still in the store, and removes it.
 * `makeStore` is called once per scheduler: each process has its own connection.
 */
export async function demoSharedStore(label: string, makeStore: () => JobStore | string): Promise<void> {
  const runs: { scheduler: string; at: string }[] = [];
  const schedulers: Scheduler[] = [];
  for (const name of ['A', 'B']) {
    // maxSleep: how often an idle scheduler checks the store for jobs other schedulers added.
    const scheduler = new Scheduler({ jobStores: { default: makeStore() }, maxSleep: 0.2 });
    // currentJob() tells a running job about itself: here, which run time it is running for.
    await scheduler.registerTask(TASK, () =>
      runs.push({ scheduler: name, at: currentJob()?.scheduledRunTime.toISOString() ?? '?' }),
    );
    schedulers.push(scheduler);
  }
  for (const scheduler of schedulers) await scheduler.start();
  const [a, b] = schedulers as [Scheduler, Scheduler];
  await a.addJob(TASK, 'interval', { seconds: 0.25, id: 'shared-tick', replaceExisting: true });

  const deadline = Date.now() + 10_000;
  while (runs.length < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await Promise.all([a.shutdown(), b.shutdown()]);

  const times = runs.map((run) => run.at);
  const byScheduler = ['A', 'B'].map(
    (name) => `${name}: ${runs.filter((run) => run.scheduler === name).length}`,
  );
  console.log(`${label}: ${runs.length} runs (${byScheduler.join(', ')})`);
  if (new Set(times).size === times.length) {
    console.log(`${label}: every run happened once`);
  } else {
    console.log(`${label}: SOME RUN HAPPENED TWICE: ${times.join(' ')}`);
    process.exitCode = 1;
  }

  // Another process, later: the job is still in the store.
  const later = new Scheduler({ jobStores: { default: makeStore() } });
  await later.registerTask(TASK, () => undefined);
  await later.start({ paused: true });
  const kept = await later.getJob('shared-tick');
  console.log(`${label}: after both shut down, the store still has: ${kept?.toString() ?? 'nothing'}`);
  await later.removeJob('shared-tick');
  await later.shutdown();
}
