// One measured run of one library in one scenario, in a process of its own so that its peak RSS
// and CPU time are its own. Started by bench/scheduler-fire.mjs; prints one `RESULT {json}` line.
//
//   node bench/scheduler-child.mjs <oneshot|interval> <library> [jobs] [leadMs]
//
// Fire times come from a high-resolution clock anchored to Date.now() at a millisecond edge; "early"
// is judged with Date.now() itself (integer ms against integer-ms scheduled times), so it is exact
// with respect to the wall clock every scheduler reads.
import { readFileSync } from 'node:fs';

const [scenario, library, jobsArg, leadArg] = process.argv.slice(2);

/**
 * Wall-clock ms with sub-ms resolution: performance.now() plus an offset measured at Date.now()
 * millisecond edges. Each edge sample can only under-estimate the offset (the edge is seen late),
 * so the largest of many samples is kept.
 */
function makeClock() {
  let offset = -Infinity;
  for (let k = 0; k < 50; k++) {
    const first = Date.now();
    let wall = Date.now();
    while (wall === first) wall = Date.now();
    offset = Math.max(offset, wall - performance.now());
  }
  return () => performance.now() + offset;
}
const now = makeClock();

function procStatusKiB(field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? NaN : Number(match[1]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function cpuMs(since) {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1000;
}

// ------------------------------------------------------------------------------------------------
// Libraries. Each one-shot adapter gets (dueMs[], hit(i)) and adds one job per entry; each interval
// adapter gets (count, t0, hit(j, scheduledMs)) and adds `count` jobs firing every second.

/**
 * A diagnostic executor, not a usable one: it calls the job at once, synchronously, with no job
 * context. Measuring Horae with it shows what the scheduler, its run queue and the memory store
 * cost apart from the executor. It speaks both executor contracts, so that a build from before the
 * run-path redesign (HORAE_DIST, `submitJob`) can be measured beside one from after (`executeNow`).
 */
const noopOutcome = { ok: true, value: undefined };
const noopExecutor = {
  scheduledRunTime: 0,
  concurrency: Number.MAX_SAFE_INTEGER,
  async start() {},
  async shutdown() {},
  runningInstances: () => 0,
  submitJob(submission) {
    const func = submission.resolveFunction();
    for (const time of submission.scheduledRunTimes) {
      noopExecutor.scheduledRunTime = time.getTime();
      func(...submission.job.args);
    }
  },
  executeNow(attempt) {
    noopExecutor.scheduledRunTime = attempt.scheduledRunTime.getTime();
    noopOutcome.value = attempt.func(...attempt.job.args);
    return noopOutcome;
  },
  async execute(attempt) {
    return attempt.func(...attempt.job.args);
  },
};

async function horae(options, { noop = false, instrument } = {}) {
  // HORAE_DIST points at another build (to compare builds); by default the one `npm run build` makes.
  const { Scheduler, currentJob } = await import(process.env.HORAE_DIST ?? '../dist/index.js');
  const scheduledRunTime = noop
    ? () => noopExecutor.scheduledRunTime
    : () => currentJob().scheduledRunTime.getTime();
  let scheduler;
  return {
    async setup() {
      scheduler = new Scheduler(noop ? { ...options, executors: { default: noopExecutor } } : options);
      await instrument?.(scheduler);
      await scheduler.start();
    },
    async oneShot(due, hit) {
      for (let i = 0; i < due.length; i++) {
        await scheduler.addJob(() => hit(i), 'date', { runDate: new Date(due[i]) });
      }
    },
    intervalStartsAt: true,
    async interval(count, t0, hit) {
      const startDate = new Date(t0);
      for (let j = 0; j < count; j++) {
        await scheduler.addJob(() => hit(j, scheduledRunTime()), 'interval', {
          seconds: 1,
          startDate,
        });
      }
    },
    async teardown() {
      await scheduler.shutdown({ wait: false });
    },
  };
}

const adapters = {
  // Default settings: memory store, async executor, run history on.
  horae: () => horae(undefined),
  // The same with the run history off: what recording every run costs.
  'horae-nohistory': () => horae({ runHistory: false }),
  // Diagnostic only (see noopExecutor): the scheduler and store without the executor.
  'horae-noop-executor': () => horae(undefined, { noop: true }),
  // What observability costs on the firing path (issue 15): metrics collected (never scraped) ...
  'horae-metrics': () =>
    horae(undefined, {
      async instrument(scheduler) {
        const { instrumentScheduler } = await import('../dist/metrics/index.js');
        instrumentScheduler(scheduler);
      },
    }),
  // ... traces with no SDK registered (the API's no-op tracer) ...
  'horae-tracing-nosdk': () =>
    horae(undefined, {
      async instrument(scheduler) {
        const { enableTracing } = await import('../dist/tracing/index.js');
        enableTracing(scheduler);
      },
    }),
  // ... and traces with the SDK: every span sampled, its context active in the job, then discarded.
  'horae-tracing': () =>
    horae(undefined, {
      async instrument(scheduler) {
        const { context, trace } = await import('@opentelemetry/api');
        const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
        const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
        const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
        trace.setGlobalTracerProvider(
          new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }),
        );
        const { enableTracing } = await import('../dist/tracing/index.js');
        enableTracing(scheduler);
      },
    }),

  async 'node-schedule'() {
    const schedule = (await import('node-schedule')).default;
    return {
      async oneShot(due, hit) {
        for (let i = 0; i < due.length; i++) schedule.scheduleJob(new Date(due[i]), () => hit(i));
      },
      async interval(count, _t0, hit) {
        for (let j = 0; j < count; j++) {
          schedule.scheduleJob('* * * * * *', (fireDate) => hit(j, fireDate.getTime()));
        }
      },
      async teardown() {
        await schedule.gracefulShutdown();
      },
    };
  },

  async croner() {
    const { Cron } = await import('croner');
    const jobs = [];
    return {
      async oneShot(due, hit) {
        for (let i = 0; i < due.length; i++) jobs.push(new Cron(new Date(due[i]), () => hit(i)));
      },
      async interval(count, _t0, hit) {
        // croner does not hand the callback its scheduled time; every run of '* * * * * *' is due
        // on a whole second, so the scheduled time is the second the run starts in.
        for (let j = 0; j < count; j++) {
          jobs.push(new Cron('* * * * * *', () => hit(j, Math.floor(Date.now() / 1000) * 1000)));
        }
      },
      async teardown() {
        for (const job of jobs) job.stop();
      },
    };
  },

  async 'toad-scheduler'() {
    const { ToadScheduler, SimpleIntervalJob, Task } = await import('toad-scheduler');
    const scheduler = new ToadScheduler();
    return {
      // toad-scheduler has no one-shot job: the nearest is a SimpleIntervalJob whose interval is
      // the delay to the due time, stopped by its first run.
      async oneShot(due, hit) {
        for (let i = 0; i < due.length; i++) {
          let job = null;
          const task = new Task(`t${i}`, () => {
            job.stop();
            hit(i);
          });
          job = new SimpleIntervalJob({ milliseconds: Math.max(1, due[i] - Date.now()) }, task);
          scheduler.addSimpleIntervalJob(job);
        }
      },
      // Interval jobs start when added (setInterval), so the k-th run of job j is due k seconds
      // after it was added.
      async interval(count, _t0, hit) {
        for (let j = 0; j < count; j++) {
          const added = Date.now();
          let k = 0;
          const task = new Task(`t${j}`, () => hit(j, added + ++k * 1000));
          scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ seconds: 1 }, task));
        }
      },
      async teardown() {
        scheduler.stop();
      },
    };
  },

  async 'node-cron'() {
    const cron = (await import('node-cron')).default;
    const tasks = [];
    return {
      oneShot: null, // node-cron only takes cron expressions: no one-shot job at a given instant
      async interval(count, _t0, hit) {
        for (let j = 0; j < count; j++) {
          tasks.push(cron.schedule('* * * * * *', (context) => hit(j, context.date.getTime())));
        }
      },
      async teardown() {
        for (const task of tasks) await task.destroy();
      },
    };
  },

  async setTimeout() {
    const timers = [];
    return {
      async oneShot(due, hit) {
        for (let i = 0; i < due.length; i++) timers.push(setTimeout(() => hit(i), due[i] - Date.now()));
      },
      async interval(count, _t0, hit) {
        for (let j = 0; j < count; j++) {
          const added = Date.now();
          let k = 0;
          timers.push(setInterval(() => hit(j, added + ++k * 1000), 1000));
        }
      },
      async teardown() {
        for (const timer of timers) clearTimeout(timer);
      },
    };
  },
};

// ------------------------------------------------------------------------------------------------
// Reference rows: not libraries, but what the least work costs on this machine, to read the others
// against.

/**
 * One timer for all jobs, re-armed for the next due time, calling every due job's function in a
 * plain loop: nothing is stored, planned or recorded. A job is called only once `Date.now()` has
 * reached its time (a timer that fires early is waited out turn by turn), so this floor never fires
 * early, unlike a bare `setTimeout` per job.
 */
function oneTimer() {
  let timer = null;
  // Arms the timer for `at`, then calls `due()` once `Date.now()` has reached it.
  const armAt = (at, due) => {
    const wait = () => {
      const delay = at - Date.now();
      timer = delay > 0 ? setTimeout(wait, delay) : null;
      if (timer === null) due();
    };
    wait();
  };
  return {
    async oneShot(dueMs, hit) {
      // Due times ascend (the scenario adds them in order), so the next due job is the next index.
      let next = 0;
      const fire = () => {
        const now = Date.now();
        while (next < dueMs.length && dueMs[next] <= now) hit(next++);
        if (next < dueMs.length) armAt(dueMs[next], fire);
      };
      armAt(dueMs[0], fire);
    },
    intervalStartsAt: true,
    async interval(count, t0, hit) {
      let at = t0;
      const fire = () => {
        for (let j = 0; j < count; j++) hit(j, at);
        at += 1000;
        armAt(at, fire);
      };
      armAt(at, fire);
    },
    async teardown() {
      if (timer !== null) clearTimeout(timer);
    },
  };
}

/**
 * The least a scheduler with Horae's model does per run, and nothing more: due jobs wait in buckets
 * by time under one timer; each run gets its scheduled time as a `Date` and a context object that
 * the job reads through AsyncLocalStorage (as `currentJob()`), its next time comes from a trigger
 * object, and, with `history`, a record of the run is kept (the newest 10 per job, Horae's default
 * retention). No store interface, lease, executor, `maxInstances`, misfire check, event or error
 * handling. Not usable as a scheduler: it shows how far Horae's own layers are from the floor.
 */
async function leanLoop({ history }) {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const storage = new AsyncLocalStorage();
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
  const buckets = new Map(); // due time (ms) -> jobs
  let timer = null;
  // Arms the one timer for the earliest bucket; one that is due already runs on the next turn.
  const arm = () => {
    if (timer !== null) clearTimeout(timer);
    let earliest = Infinity;
    for (const at of buckets.keys()) if (at < earliest) earliest = at;
    timer = earliest === Infinity ? null : setTimeout(fire, Math.max(0, earliest - Date.now()));
  };
  const enqueue = (job) => {
    const at = job.next.getTime();
    const bucket = buckets.get(at);
    if (bucket === undefined) buckets.set(at, [job]);
    else bucket.push(job);
  };
  const fire = () => {
    timer = null;
    const now = Date.now();
    for (const [at, jobs] of buckets) {
      if (at > now) continue;
      buckets.delete(at);
      for (const job of jobs) {
        const scheduled = job.next;
        const started = Date.now();
        storage.run(new RunContext(job.id, scheduled), job.func);
        if (history) {
          job.runs.push(new RunRecord(scheduled.getTime(), started, Date.now()));
          if (job.runs.length > 10) job.runs.shift();
        }
        job.next = job.trigger.next(scheduled);
      }
      for (const job of jobs) enqueue(job);
    }
    arm();
  };
  return {
    oneShot: null, // B only: it is a reference for the recurring scenario
    intervalStartsAt: true,
    async interval(count, t0, hit) {
      const trigger = new EverySecond();
      for (let j = 0; j < count; j++) {
        const func = () => hit(j, storage.getStore().scheduledRunTime.getTime());
        enqueue({ id: `job-${j}`, func, trigger, next: new Date(t0), runs: [] });
      }
      arm();
    },
    async teardown() {
      if (timer !== null) clearTimeout(timer);
    },
  };
}

Object.assign(adapters, {
  'one-timer': async () => oneTimer(),
  'lean-loop': () => leanLoop({ history: true }),
  'lean-loop-nohistory': () => leanLoop({ history: false }),
});

// ------------------------------------------------------------------------------------------------

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function latenessStats(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? null : sorted[sorted.length - 1],
  };
}

async function oneShot(adapter, count, leadMs) {
  const due = new Float64Array(count);
  const firedAt = new Float64Array(count).fill(NaN);
  let fired = 0;
  let early = 0;
  let duplicates = 0;
  let lastFire = 0;
  const hit = (i) => {
    const wall = Date.now();
    const t = now();
    if (!Number.isNaN(firedAt[i])) {
      duplicates++;
      return;
    }
    firedAt[i] = t;
    fired++;
    lastFire = t;
    if (wall < due[i]) early++;
  };
  await adapter.setup?.();
  const baselineKiB = procStatusKiB('VmRSS');
  const cpuStart = process.cpuUsage();
  const start = Date.now();
  for (let i = 0; i < count; i++) due[i] = start + leadMs + Math.floor((i * 2000) / count);
  const addStart = now();
  await adapter.oneShot(Array.from(due), hit);
  const addMs = now() - addStart;

  // Wait until every job fired, or nothing fired for 20 s after the last one was due (cap 10 min).
  const lastDue = due[count - 1];
  for (;;) {
    await sleep(100);
    if (fired === count) break;
    const t = Date.now();
    if (t > lastDue + 20_000 && t - Math.max(lastFire, lastDue) > 20_000) break;
    if (t > lastDue + 600_000) break;
  }
  await sleep(200); // let stragglers and duplicates show
  const cpu = cpuMs(cpuStart);
  const lateness = [];
  let firstFire = Infinity;
  let lastFireTime = -Infinity;
  for (let i = 0; i < count; i++) {
    const t = firedAt[i];
    if (Number.isNaN(t)) continue;
    lateness.push(t - due[i]);
    if (t < firstFire) firstFire = t;
    if (t > lastFireTime) lastFireTime = t;
  }
  const peakKiB = procStatusKiB('VmHWM');
  await adapter.teardown?.();
  return {
    jobs: count,
    leadMs,
    addMs,
    peakRssMiB: peakKiB / 1024,
    baselineRssMiB: baselineKiB / 1024,
    lateness: latenessStats(lateness),
    minLateness: lateness.length === 0 ? null : lateness.reduce((a, b) => Math.min(a, b), Infinity),
    early,
    fired,
    duplicates,
    firesPerSecond: fired > 1 ? (fired / (lastFireTime - firstFire)) * 1000 : null,
    fireSpanMs: fired > 1 ? lastFireTime - firstFire : null,
    cpuMs: cpu,
  };
}

async function interval(adapter, count) {
  const expected = count * 10;
  const lateness = new Float64Array(expected * 2);
  let observed = 0;
  let outside = 0;
  let early = 0;
  let t0 = Infinity; // runs before the window is set count as outside it
  const seen = new Uint8Array(count * 10);
  let duplicates = 0;
  const hit = (j, scheduled) => {
    const wall = Date.now();
    const t = now();
    const slot = Math.floor((scheduled - t0) / 1000);
    if (slot < 0 || slot >= 10 || scheduled < t0 || scheduled >= t0 + 10_000) {
      outside++;
      return;
    }
    if (seen[j * 10 + slot]++ > 0) duplicates++;
    if (observed < lateness.length) lateness[observed] = t - scheduled;
    observed++;
    if (wall < scheduled) early++;
  };
  await adapter.setup?.();
  const baselineKiB = procStatusKiB('VmRSS');
  // The window starts on a whole second. A scheduler that is given its first run time (Horae's
  // startDate, APScheduler's start_date) learns it before the jobs are added; cron-style and timer
  // libraries fire on their own grid, so for them the window starts after the last job is added.
  const planned = Math.ceil((Date.now() + 2000) / 1000) * 1000;
  const addStart = now();
  await adapter.interval(count, planned, hit);
  const addMs = now() - addStart;
  if (adapter.intervalStartsAt === true) {
    if (Date.now() > planned - 600) {
      throw new Error(`adding took too long (${addMs.toFixed(0)} ms) for the planned window`);
    }
    t0 = planned;
  } else {
    t0 = Math.ceil((Date.now() + 1000) / 1000) * 1000;
  }

  // CPU of the firing window: from 500 ms before the first round to 500 ms before the eleventh.
  await sleep(t0 - 500 - Date.now());
  const windowStart = now();
  const cpuStart = process.cpuUsage();
  await sleep(t0 + 9500 - Date.now());
  const cpu = cpuMs(cpuStart);
  const windowMs = now() - windowStart;
  // Let late runs of the window arrive, then stop.
  for (;;) {
    await sleep(100);
    if (observed >= expected) break;
    if (Date.now() > t0 + 10_000 + 5000) break;
  }
  const peakKiB = procStatusKiB('VmHWM');
  await adapter.teardown?.();
  const stats = latenessStats(lateness.subarray(0, Math.min(observed, lateness.length)));
  return {
    jobs: count,
    expected,
    addMs,
    observed,
    duplicates,
    outside,
    early,
    lateness: stats,
    cpuMs: cpu,
    cpuWindowMs: windowMs,
    peakRssMiB: peakKiB / 1024,
    baselineRssMiB: baselineKiB / 1024,
  };
}

const factory = adapters[library];
if (factory === undefined) {
  console.error(`unknown library ${library}; known: ${Object.keys(adapters).join(', ')}`);
  process.exit(2);
}
const adapter = await factory();
let result;
if (scenario === 'oneshot') {
  if (adapter.oneShot === null) result = { unsupported: true };
  else result = await oneShot(adapter, Number(jobsArg ?? 100_000), Number(leadArg ?? 1000));
} else if (scenario === 'interval') {
  result = await interval(adapter, Number(jobsArg ?? 10_000));
} else {
  console.error('scenario must be oneshot or interval');
  process.exit(2);
}
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
