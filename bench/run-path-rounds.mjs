// Scenario B's run path round by round, in-process on a fake clock: 10,000 interval jobs due every
// second, ROUNDS rounds (default 10), with the lean reference loop of bench/scheduler-child.mjs as
// the other side (`--lean`). Prints each round's CPU/wall milliseconds. Job ids are pseudo-random
// but the same on every run, so that under callgrind (bench/run-path-instructions.sh) two builds
// do the same work and their instruction counts compare, whatever else the machine is doing.
//
//   npm run build && node bench/run-path-rounds.mjs [--lean]
//   ROUNDS=1 HORAE_DIST=/tmp/before/dist/index.js node bench/run-path-rounds.mjs
//
// Diagnostic only; never part of the tests.
const JOBS = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const T0 = Date.UTC(2026, 0, 1);

let seed = 12345;
function hex() {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8).toString(16).padStart(6, '0');
}
/** A UUID-shaped id from the seeded generator: ids in random order, as `randomUUID()` gives. */
const uuid = () =>
  `${hex()}${hex().slice(0, 2)}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-a${hex().slice(0, 3)}-${hex()}${hex()}`;

async function horae() {
  const dist = process.env.HORAE_DIST ?? new URL('../dist/index.js', import.meta.url).href;
  const distUrl = dist.startsWith('/') ? `file://${dist}` : dist;
  const { Scheduler, currentJob } = await import(distUrl);
  const { FakeClock } = await import(new URL('testing.js', distUrl).href);
  const clock = new FakeClock(T0);
  const scheduler = new Scheduler({ clock, timezone: 'UTC' });
  await scheduler.start();
  for (let j = 0; j < JOBS; j++) {
    await scheduler.addJob(() => void currentJob().scheduledRunTime, 'interval', {
      id: uuid(),
      seconds: 1,
      startDate: new Date(T0 + 1000),
    });
  }
  return { round: () => clock.advance(1000), stop: () => scheduler.shutdown() };
}

/** The lean loop of bench/scheduler-child.mjs, driven round by round instead of by a timer. */
async function lean() {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const storage = new AsyncLocalStorage();
  // The same classes as the lean loop of bench/scheduler-child.mjs.
  class EverySecond {
    next(previous) {
      return new Date(previous.getTime() + 1000);
    }
  }
  class RunContext {
    constructor(jobId, scheduledRunTime) {
      this.jobId = jobId;
      this.scheduledRunTime = scheduledRunTime;
    }
  }
  class RunRecord {
    constructor(scheduled, started, finished) {
      this.scheduled = scheduled;
      this.started = started;
      this.finished = finished;
      this.outcome = 'executed';
    }
  }
  const trigger = new EverySecond();
  const buckets = new Map();
  const enqueue = (job) => {
    const at = job.next.getTime();
    const bucket = buckets.get(at);
    if (bucket === undefined) buckets.set(at, [job]);
    else bucket.push(job);
  };
  let sink = 0;
  for (let j = 0; j < JOBS; j++) {
    const func = () => void (sink += storage.getStore().scheduledRunTime.getTime() & 1);
    enqueue({ id: uuid(), func, trigger, next: new Date(T0 + 1000), runs: [] });
  }
  let now = T0;
  return {
    round: async () => {
      now += 1000;
      for (const [at, jobs] of buckets) {
        if (at > now) continue;
        buckets.delete(at);
        for (const job of jobs) {
          const scheduled = job.next;
          const started = Date.now();
          storage.run(new RunContext(job.id, scheduled), job.func);
          job.runs.push(new RunRecord(scheduled.getTime(), started, Date.now()));
          if (job.runs.length > 10) job.runs.shift();
          job.next = trigger.next(scheduled);
        }
        for (const job of jobs) enqueue(job);
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
    stop: async () => undefined,
  };
}

const side = process.argv.includes('--lean') ? await lean() : await horae();
const out = [];
for (let r = 1; r <= ROUNDS; r++) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await side.round();
  const used = process.cpuUsage(cpu);
  out.push(`${((used.user + used.system) / 1000).toFixed(0)}/${(performance.now() - start).toFixed(0)}`);
}
await side.stop();
console.log(`cpu/wall ms per round: ${out.join(' ')}`);
