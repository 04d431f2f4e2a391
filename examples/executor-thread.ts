// The thread executor: CPU-bound jobs on a pool of worker threads, so the event loop stays free.
//
// Mirrors tutorial 003 §2.2 ("如果，你的程序是计算密集型的，那么最好用ProcessPoolExecutor进程池执行器
// 方案来充分利用多核算力。也可以将ProcessPoolExecutor作为第二执行器，混合使用两种不同的执行器": for
// CPU-bound work use a pool to use every core, as a second executor beside the default) and tutorial
// 000 ("ProcessPoolExecutor: CPU 密集型"). In Node, worker threads are the light way to use more
// cores; executor-process.ts shows child processes, for isolation.
//
// A worker thread cannot receive a closure, so the job is a 'module:export' reference to
// examples/tasks.mjs, resolved from `baseDir`. Two prime counts run on two threads while a
// heartbeat job keeps ticking on the event loop. Prints "countPrimes ... on thread N" and
// "heartbeat ticked N times while the threads worked".
// Run: npx tsx examples/executor-thread.ts
import { InvalidArgumentError, Scheduler, ThreadExecutor } from 'horae';

const scheduler = new Scheduler({
  baseDir: import.meta.dirname, // where './tasks.mjs' resolves from
  executors: {
    default: { type: 'async' }, // the event loop, for everything else
    // The second executor, for CPU-bound jobs. As configuration: { type: 'thread', maxWorkers: 2 }.
    cpu: new ThreadExecutor({ maxWorkers: 2 }),
  },
});

let heartbeats = 0;
await scheduler.addJob(() => void heartbeats++, 'interval', { seconds: 0.05, id: 'heartbeat' });

const primeJobs = new Set<string>();
let finished = 0;
let bothDone!: () => void;
const done = new Promise<void>((resolve) => (bothDone = resolve));
scheduler.on('job_executed', (event) => {
  if (!primeJobs.has(event.jobId)) return;
  const { limit, primes, threadId } = event.retval as { limit: number; primes: number; threadId: number };
  console.log(`countPrimes(${limit}) = ${primes}, on thread ${threadId} (the main thread is 0)`);
  if (++finished === 2) bothDone();
});
scheduler.on('job_error', (event) => {
  console.error(`${event.jobId} failed: ${String(event.exception)}`);
  if (primeJobs.has(event.jobId) && ++finished === 2) bothDone();
});

await scheduler.start();
const beatsBefore = heartbeats;
for (const limit of [3_000_000, 2_000_000]) {
  const job = await scheduler.addJob('./tasks.mjs:countPrimes', null, { args: [limit], executor: 'cpu' });
  primeJobs.add(job.id);
}

// A function cannot go to a thread: the scheduler says so when the job is added.
try {
  await scheduler.addJob(() => 42, null, { executor: 'cpu' });
} catch (error) {
  if (!(error instanceof InvalidArgumentError)) throw error;
  console.log(`a closure on the thread executor is refused: ${error.code}`);
}

await done;
console.log(`heartbeat ticked ${heartbeats - beatsBefore} times while the threads worked`);
await scheduler.shutdown();
