// The options of addJob: id, name, args, a textual function reference, nextRunTime, maxInstances,
// coalesce, misfireGraceTime and replaceExisting.
//
// Mirrors tutorial 002 "添加执行计划任务" (add_job's parameters: func as a callable or a
// 'package.module:some.object' reference, args, id, name, misfire_grace_time, coalesce,
// max_instances, next_run_time (None adds the job paused), jobstore, executor, replace_existing).
// kwargs has no JavaScript counterpart: pass an options object in `args`.
//
// Prints one line per option showing its effect, e.g. "maxInstances: 1 -> a run was skipped" and
// "coalesce: false -> 4 catch-up runs; coalesce: true -> 1 catch-up run".
// Run: npx tsx examples/add-job-options.ts
import { ConflictingIdError, Scheduler } from 'horae';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const scheduler = new Scheduler({ baseDir: import.meta.dirname });

// func as a textual reference, 'module:export'; the module part is a path relative to baseDir, an
// absolute path, or a package name.
const byReference = new Promise<unknown>((resolve) =>
  scheduler.on('job_executed', (event) => event.jobId === 'by-reference' && resolve(event.retval)),
);
await scheduler.addJob('./tasks.mjs:whereAmI', null, { id: 'by-reference', args: ['by reference'] });

// id, name and args (an object in args plays the part of kwargs).
const mail = await scheduler.addJob(
  (options: { to: string }) => console.log(`mail to ${options.to}`),
  'interval',
  {
    id: 'mail',
    name: 'daily mail',
    args: [{ to: 'me@example.com' }],
    minutes: 1,
  },
);
console.log(`id '${mail.id}', name '${mail.name}', args ${JSON.stringify(mail.args)}`);

// replaceExisting: the same id again fails, unless the job is to be replaced.
try {
  await scheduler.addJob(() => undefined, 'interval', { id: 'mail', minutes: 5 });
} catch (error) {
  if (!(error instanceof ConflictingIdError)) throw error;
  console.log(`same id again: ${error.code}; with replaceExisting: true it replaces the job`);
}
await scheduler.addJob(() => undefined, 'interval', {
  id: 'mail',
  name: 'daily mail',
  minutes: 5,
  replaceExisting: true,
});

// nextRunTime: null adds the job paused.
const paused = await scheduler.addJob(() => undefined, 'interval', {
  seconds: 1,
  id: 'paused',
  nextRunTime: null,
});
console.log(`nextRunTime: null -> added paused (next run time ${String(paused.nextRunTime)})`);

await scheduler.start();
console.log(`reference './tasks.mjs:whereAmI' returned ${JSON.stringify(await byReference)}`);

// maxInstances: a 500 ms job every 200 ms; with maxInstances 1, runs are skipped while one is in progress.
let skipped = 0;
scheduler.on('job_max_instances', (event) => event.jobId === 'slow' && skipped++);
await scheduler.addJob(() => sleep(500), 'interval', { milliseconds: 200, id: 'slow', maxInstances: 1 });
await sleep(1000);
await scheduler.removeJob('slow');
console.log(`maxInstances: 1 -> ${skipped} runs skipped while one was in progress`);

// coalesce and misfireGraceTime: pause the scheduler for 1 s under a job every 200 ms, then resume.
// The backlog runs once per missed time (coalesce: false), once in all (coalesce: true), or not at
// all when the runs are later than their misfireGraceTime.
const every200ms = { milliseconds: 200, misfireGraceTime: null } as const;
await scheduler.addJob(() => undefined, 'interval', { ...every200ms, id: 'no-coalesce', coalesce: false });
await scheduler.addJob(() => undefined, 'interval', { ...every200ms, id: 'coalesce', coalesce: true });
await scheduler.addJob(() => undefined, 'interval', {
  milliseconds: 200,
  id: 'strict',
  misfireGraceTime: 0.1,
  coalesce: false,
});
scheduler.pause();
await sleep(1000);
// Count only the runs that were due during the pause (the event carries the run's scheduled time).
const resumedAt = Date.now();
const backlog = new Map<string, { ran: number; missed: number }>();
const tally = (event: { jobId: string; scheduledRunTime: Date }, outcome: 'ran' | 'missed') => {
  if (event.scheduledRunTime.getTime() > resumedAt) return;
  const entry = backlog.get(event.jobId) ?? { ran: 0, missed: 0 };
  entry[outcome]++;
  backlog.set(event.jobId, entry);
};
scheduler.on('job_executed', (event) => tally(event, 'ran'));
scheduler.on('job_missed', (event) => tally(event, 'missed'));
scheduler.resume();
await sleep(300);
const ran = (id: string) => backlog.get(id)?.ran ?? 0;
const [all, once] = [ran('no-coalesce'), ran('coalesce')];
console.log(
  `after a 1 s pause: coalesce: false -> ${all} catch-up runs; coalesce: true -> ${once} catch-up run`,
);
console.log(
  `misfireGraceTime: 0.1 -> ${backlog.get('strict')?.missed ?? 0} runs reported missed, ${ran('strict')} run`,
);

await scheduler.shutdown();
