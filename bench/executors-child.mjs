// One measurement of the executor benchmark, in a process of its own (bench/executors-bench.mjs
// runs it): `node bench/executors-child.mjs '<json config>'` prints one `RESULT {json}` line.
//
// Config: { executor: 'async' | 'thread' | 'process' | 'spawn-per-run', scenario: 'dispatch' | 'cpu',
//           workers, runs, work, dist }.
// The executor is driven the way the scheduler drives it: `runs` submissions of one run each, all
// due now; the clock stops at the last EVENT_JOB_EXECUTED. Workers are started before the clock.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(process.argv[2]);
const dist = resolve(config.dist);
const JOBS = join(here, 'executors-jobs.mjs');
const jobs = await import(pathToFileURL(JOBS).href);

async function load(path) {
  return import(pathToFileURL(join(dist, path)).href);
}

function makeJob(id, func, args, maxInstances) {
  return {
    id,
    name: id,
    func,
    args,
    trigger: null,
    executor: 'bench',
    misfireGraceTime: null,
    coalesce: true,
    maxInstances,
    nextRunTime: null,
    nextFireTime: null,
    timeout: null,
    retry: null,
  };
}

async function horae() {
  const { SystemClock } = await load('clock.js');
  const { AsyncExecutor } = await load('executors/async-executor.js');
  const { ThreadExecutor } = await load('executors/thread-executor.js');
  const { ProcessExecutor } = await load('executors/process-executor.js');
  const executor =
    config.executor === 'async'
      ? new AsyncExecutor({ maxConcurrency: config.workers })
      : config.executor === 'thread'
        ? new ThreadExecutor({ maxWorkers: config.workers })
        : new ProcessExecutor({ maxWorkers: config.workers });
  let done = 0;
  let errors = 0;
  let target = 0;
  let finish = () => {};
  const name = config.scenario === 'dispatch' ? 'noop' : 'burn';
  const args = config.scenario === 'dispatch' ? [] : [config.work];
  const func = config.executor === 'async' ? jobs[name] : `${JOBS}:${name}`;
  const job = makeJob('bench', func, args, config.runs + config.workers);
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  // The executor runs behind the run queue the scheduler gives it (src/runs/run-queue.ts), which
  // counts outcomes here instead of recording them.
  const { RunQueue } = await load('runs/run-queue.js');
  const clock = new SystemClock();
  const queue = new RunQueue(executor, 'bench', {
    clock: () => clock,
    logger: () => logger,
    reporter: {
      report(outcome) {
        if (outcome.status !== 'success') errors++;
        if (++done === target) finish();
      },
      retry() {},
    },
    resolveFunction: () => jobs[name],
    reference: (f) => (typeof f === 'function' ? undefined : f),
  });
  await queue.start({ alias: 'bench', logger, baseDir: here });
  const submitAll = async (count) => {
    done = 0;
    target = count;
    const finished = new Promise((resolveFinish) => (finish = resolveFinish));
    const now = new Date();
    for (let i = 0; i < count; i++) {
      queue.submit({ job, jobStore: 'default', scheduledRunTimes: [now] });
    }
    await finished;
  };
  await submitAll(config.workers * 2); // start the workers
  errors = 0;
  const started = performance.now();
  await submitAll(config.runs);
  const ms = performance.now() - started;
  await queue.shutdown(true);
  return { ms, errors };
}

/** bree's model (not bree itself, which is not installed): a new worker thread for every run. */
async function spawnPerRun() {
  const source = `const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then((jobs) => parentPort.postMessage(jobs[workerData.name](...workerData.args)));`;
  const name = config.scenario === 'dispatch' ? 'noop' : 'burn';
  const args = config.scenario === 'dispatch' ? [] : [config.work];
  const runOne = () =>
    new Promise((resolveRun, rejectRun) => {
      const worker = new Worker(source, {
        eval: true,
        workerData: { url: pathToFileURL(JOBS).href, name, args },
      });
      worker.once('message', () => void worker.terminate().then(resolveRun));
      worker.once('error', rejectRun);
    });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: config.workers }, async () => {
      while (next++ < config.runs) await runOne();
    }),
  );
  return { ms: performance.now() - started, errors: 0 };
}

function timeOneJob() {
  if (config.scenario !== 'cpu') return null;
  jobs.burn(config.work);
  const started = performance.now();
  jobs.burn(config.work);
  return performance.now() - started;
}

/** Busy clock ticks of the whole machine, and of this process with its reaped children, from /proc. */
function cpuTicks() {
  const machine = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const own = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').map(Number);
  // After ") ": state is field 0, utime 11, stime 12, cutime 13, cstime 14.
  return {
    machine: machine.reduce((a, b) => a + b, 0) - machine[3] - machine[4],
    own: own[11] + own[12] + own[13] + own[14],
  };
}

const jobMs = timeOneJob();
const before = cpuTicks();
const windowStart = performance.now();
const { ms, errors } = config.executor === 'spawn-per-run' ? await spawnPerRun() : await horae();
const after = cpuTicks();
const windowSeconds = (performance.now() - windowStart) / 1000;
// CPU the rest of the machine used meanwhile, in cores (clock ticks are 1/100 s on Linux).
const othersCores = (after.machine - before.machine - (after.own - before.own)) / 100 / windowSeconds;
const result = { ...config, ms, errors, runsPerSecond: (config.runs / ms) * 1000, jobMs, othersCores };
delete result.dist;
console.log(`RESULT ${JSON.stringify(result)}`);
