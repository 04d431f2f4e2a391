// The memory job store (the default): fast, and forgets everything when the process ends.
//
// Mirrors tutorial 003 §2.1 "任务储存器的选择" ("如果你运行的任务是无状态的，选择默认任务储存器
// MemoryJobStore就可以应付": stateless jobs need nothing more than the default MemoryJobStore),
// tutorial 002's `jobstores = {'default': MemoryJobStore()}` in its 实例, and tutorial 001/004's
// "除了内存方式不需要序列化之外": only the memory store takes a plain function with any arguments.
//
// Prints the runs of a job in each of two memory stores, then shows that a new scheduler starts
// empty: "after a restart the memory store has 0 jobs".
// Run: npx tsx examples/store-memory.ts
import { MemoryJobStore, Scheduler } from 'horae';

const scheduler = new Scheduler({
  // An instance, or configuration by type; with no jobStores at all, 'default' is a MemoryJobStore.
  jobStores: { default: new MemoryJobStore(), scratch: { type: 'memory' } },
});

// A closure with an argument no database could store (a Map): fine in memory.
const seen = new Map<string, number>();
function count(store: string, tally: Map<string, number>): void {
  tally.set(store, (tally.get(store) ?? 0) + 1);
  console.log(`ran in the '${store}' store (${tally.get(store)} times)`);
}

await scheduler.addJob(count, 'interval', { seconds: 0.5, args: ['default', seen], id: 'in-default' });
await scheduler.addJob(count, 'interval', {
  seconds: 0.5,
  args: ['scratch', seen],
  id: 'in-scratch',
  jobStore: 'scratch',
});

const enough = new Promise<void>((resolve) =>
  scheduler.on('job_executed', () => {
    if ((seen.get('default') ?? 0) >= 2 && (seen.get('scratch') ?? 0) >= 2) resolve();
  }),
);
await scheduler.start();
await enough;
await scheduler.printJobs();
console.log(
  `jobs in 'scratch' only: ${(await scheduler.getJobs({ jobStore: 'scratch' })).map((job) => job.id)}`,
);
await scheduler.shutdown();

// A new scheduler (think: the process restarted) has a new, empty memory store.
const restarted = new Scheduler();
await restarted.start();
console.log(`after a restart the memory store has ${(await restarted.getJobs()).length} jobs`);
await restarted.shutdown();
