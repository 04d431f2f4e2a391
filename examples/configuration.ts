// Configuring a scheduler: job stores, executors, job defaults and time zone, all at once.
//
// Mirrors tutorial 002 "定义仓库":
//     jobstores = {'mongo': MongoDBJobStore(), 'default': SQLAlchemyJobStore(url='sqlite:///jobs.sqlite')}
//     executors = {'default': ThreadPoolExecutor(20), 'processpool': ProcessPoolExecutor(5)}
//     job_defaults = {'coalesce': False, 'max_instances': 3}
//     scheduler = BackgroundScheduler(jobstores=jobstores, executors=executors, job_defaults=job_defaults,
//                                     timezone=utc)
// A memory store stands in for MongoDB (no MongoDB server here; MongoJobStore is planned), and the
// SQLite store is given by URL as SQLAlchemy's was.
//
// Adds a job to each store and each executor, prints the job table, waits for both to run and
// prints "memory/default ran" and "sqlite/processpool ran in process N".
// Run: npx tsx examples/configuration.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryJobStore, Scheduler } from 'horae';

const dir = mkdtempSync(join(tmpdir(), 'horae-example-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even after an error

const scheduler = new Scheduler({
  jobStores: {
    memory: new MemoryJobStore(),
    default: `sqlite://${join(dir, 'jobs.sqlite')}`, // sqlite:///tmp/.../jobs.sqlite
  },
  executors: {
    default: { type: 'async', maxConcurrency: 20 },
    processpool: { type: 'process', maxWorkers: 5 },
  },
  jobDefaults: { coalesce: false, maxInstances: 3 },
  timezone: 'UTC',
  baseDir: import.meta.dirname, // where './tasks.mjs' resolves from
});

const ran = new Set<string>();
let allDone!: () => void;
const done = new Promise<void>((resolve) => (allDone = resolve));
const finish = (jobId: string) => ran.add(jobId).size === 2 && allDone();
scheduler.on('job_executed', (event) => {
  if (event.jobId === 'in-sqlite' && !ran.has('in-sqlite')) {
    console.log(
      `sqlite/processpool ran in process ${(event.retval as { pid: number }).pid} (this is ${process.pid})`,
    );
  }
  finish(event.jobId);
});
scheduler.on('job_error', (event) => {
  console.error(`${event.jobId} failed: ${String(event.exception)}`);
  finish(event.jobId);
});

// The memory store takes a plain function; it runs on the default (async) executor.
await scheduler.addJob(() => console.log('memory/default ran'), 'interval', {
  seconds: 0.5,
  id: 'in-memory',
  jobStore: 'memory',
});
// The SQLite store needs a reference; the process pool would too.
await scheduler.addJob('./tasks.mjs:whereAmI', 'interval', {
  seconds: 0.5,
  args: ['sqlite/processpool'],
  id: 'in-sqlite',
  executor: 'processpool',
  replaceExisting: true,
});

await scheduler.start();
await scheduler.printJobs();
const job = await scheduler.getJob('in-sqlite');
console.log(`job defaults applied: coalesce=${job?.coalesce}, maxInstances=${job?.maxInstances}`);
await done;
await scheduler.removeAllJobs();
await scheduler.shutdown();
