// The async executor (the default): jobs run on the event loop, at most `maxConcurrency` at a time.
//
// Mirrors tutorial 003 §2.2 ("默认的ThreadPoolExecutor线程池执行器方案可以满足大部分需求": the
// default thread pool meets most needs), tutorial 004 ("执行器使用默认的 ThreadPoolExecutor") and
// tutorial 002's `'default': ThreadPoolExecutor(20)`. Node runs I/O-bound jobs (HTTP calls, database
// queries) concurrently on its event loop, so the default needs no threads; `maxConcurrency` plays
// the role of the pool size. For CPU-bound jobs see executor-thread.ts and executor-process.ts.
//
// Starts five 300 ms jobs on an executor that runs two at a time. Prints each start and end, then
// "at most 2 jobs ran at once".
// Run: npx tsx examples/executor-async.ts
import { AsyncExecutor, Scheduler } from 'horae';

const scheduler = new Scheduler({
  // The same as { type: 'async', maxConcurrency: 2 }; without `executors`, the default allows 10.
  executors: { default: new AsyncExecutor({ maxConcurrency: 2 }) },
});

const started = Date.now();
const elapsed = () => `${String(Date.now() - started).padStart(4)} ms`;
let running = 0;
let mostAtOnce = 0;

async function download(name: string): Promise<void> {
  running++;
  mostAtOnce = Math.max(mostAtOnce, running);
  console.log(`${elapsed()}  start ${name} (${running} running)`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // an HTTP request, say
  running--;
  console.log(`${elapsed()}  end   ${name}`);
}

let finished = 0;
const allDone = new Promise<void>((resolve) =>
  scheduler.on('job_executed', () => {
    if (++finished === 5) resolve();
  }),
);
// No trigger: each runs once, now. The executor queues what it cannot start yet.
for (const name of ['a', 'b', 'c', 'd', 'e'])
  await scheduler.addJob(download, null, { args: [`page-${name}`] });

await scheduler.start();
await allDone;
await scheduler.shutdown();
console.log(`at most ${mostAtOnce} jobs ran at once; all 5 took ${elapsed()}`);
