// The SQLite job store: jobs kept in a file survive a restart.
//
// Mirrors tutorial 002 "定义仓库" (`'default': SQLAlchemyJobStore(url='sqlite:///jobs.sqlite')`) and
// tutorial 003 §2.1 ("如果你需要在程序关闭或重启时，保存任务的状态，那么就要选择持久化的任务储存器":
// to keep jobs across a shutdown or restart, choose a persistent store). SqliteJobStore needs the
// `better-sqlite3` package. A persistent store keeps the job's function as a name: a registered
// task name (as here) or a 'module:export' reference; args must be JSON.
//
// Runs a job, shuts the scheduler down, starts a new scheduler on the same file and finds the job
// there, with its run history. Prints "after the restart: greet (...)" and "greet ran again ...".
// Run: npx tsx examples/store-sqlite.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler, SerializationError } from 'horae';
import { SqliteJobStore } from 'horae/stores/sqlite';

const dir = mkdtempSync(join(tmpdir(), 'horae-example-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even after an error
const path = join(dir, 'jobs.sqlite');

function greet(city: string): string {
  const text = `hello from ${city} at ${new Date().toISOString()}`;
  console.log(text);
  return text;
}

/** Resolves after the next run of `jobId`. */
const nextRun = (scheduler: Scheduler, jobId: string) =>
  new Promise<void>((resolve) => scheduler.on('job_executed', (event) => event.jobId === jobId && resolve()));

// First process: add the job and let it run once.
const first = new Scheduler({ jobStores: { default: new SqliteJobStore({ path }) } });
await first.registerTask('greet', greet);
await first.start();
await first.addJob('greet', 'interval', {
  seconds: 1,
  args: ['Beijing'],
  id: 'greet',
  replaceExisting: true,
  misfireGraceTime: 30,
});
// A function object cannot be stored in a file: the store asks for a name instead.
try {
  await first.addJob(() => greet('nowhere'), 'interval', { seconds: 1 });
} catch (error) {
  if (!(error instanceof SerializationError)) throw error;
  console.log(`a closure is refused: ${error.code}`);
}
await nextRun(first, 'greet');
await first.shutdown();
console.log('first scheduler shut down');

// Second process (same file, given as a URL this time, as SQLAlchemy's url= was): the job is still there.
const second = new Scheduler({ jobStores: { default: `sqlite://${path}` } });
await second.registerTask('greet', greet);
await second.start();
for (const job of await second.getJobs()) console.log(`after the restart: ${job.toString()}`);
const history = await second.getRuns('greet');
console.log(`run history kept in the file: ${history.length} run(s), last outcome ${history[0]?.outcome}`);
await nextRun(second, 'greet');
console.log('greet ran again in the second scheduler');
await second.removeJob('greet');
await second.shutdown();
