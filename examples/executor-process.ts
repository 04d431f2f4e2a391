// The process executor: jobs in a pool of child processes, isolated from the scheduler.
//
// Mirrors tutorial 001's executors section:
//     execute = {"default": ProcessPoolExecutor(8)}   # 配置 default执行器为 ProcessPoolExecutor
//     sche = BlockingScheduler(executors=execute)
// and tutorial 003 §2.2 (ProcessPoolExecutor for CPU-bound work). A child process gives the most
// isolation: a job that crashes or calls process.exit() costs one worker process, not the scheduler.
//
// Jobs are 'module:export' references to examples/tasks.mjs, resolved from `baseDir`. Prints the
// pid each job ran in ("whereAmI ran in process N, the scheduler is process M"), the crash of one
// worker ("crash failed: ..."), and "the scheduler carried on".
// Run: npx tsx examples/executor-process.ts
import { Scheduler } from 'horae';

const scheduler = new Scheduler({
  baseDir: import.meta.dirname, // where './tasks.mjs' resolves from
  executors: { default: { type: 'process', maxWorkers: 8 } }, // workers start when needed, up to 8
});

let finished = 0;
let allDone!: () => void;
const done = new Promise<void>((resolve) => (allDone = resolve));
const finish = () => ++finished === 4 && allDone();

scheduler.on('job_executed', (event) => {
  const { label, pid, primes } = event.retval as { label?: string; pid: number; primes?: number };
  const what = label ?? `countPrimes = ${primes}`;
  console.log(`${what} ran in process ${pid}, the scheduler is process ${process.pid}`);
  finish();
});
scheduler.on('job_error', (event) => {
  console.log(`${event.jobId} failed: ${String(event.exception)}`);
  finish();
});

await scheduler.addJob('./tasks.mjs:whereAmI', null, { args: ['whereAmI'] });
await scheduler.addJob('./tasks.mjs:countPrimes', null, { args: [1_000_000] });
await scheduler.addJob('./tasks.mjs:crash', null, { id: 'crash' });
// Runs a little later, after the crash: the pool has replaced the dead worker. No misfire grace
// limit: on a busy machine it may start more than the default second late, and should still run.
await scheduler.addJob('./tasks.mjs:whereAmI', 'date', {
  runDate: new Date(Date.now() + 500),
  args: ['after the crash'],
  misfireGraceTime: null,
});

await scheduler.start();
await done;
console.log(`the scheduler carried on: state ${scheduler.state}`);
await scheduler.shutdown();
