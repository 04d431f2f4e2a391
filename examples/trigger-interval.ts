// The `interval` trigger: run a job every N seconds (or minutes, hours, days, weeks).
//
// Mirrors tutorial 004 "基本使用" (`Time_task` every 3 seconds on a BlockingScheduler), tutorial 001
// (`sche.add_job(func, "interval", seconds=10)`) and tutorial 002 "触发器选择":
//     job = scheduler.add_job(myfunc, 'interval', minutes=2); job.remove()
//     scheduler.add_job(myfunc, 'interval', minutes=2, id='my_job_id'); scheduler.remove_job('my_job_id')
// Intervals are one second here so the example ends in a few seconds.
//
// Prints "The time is : ..." on each run, the removals, and "scheduler shut down" at the end.
// Run: npx tsx examples/trigger-interval.ts
import { Scheduler } from 'horae';

const scheduler = new Scheduler();

let ticks = 0;
function timeTask(): void {
  ticks++;
  console.log(`The time is : ${new Date().toISOString()}  (Time_task run ${ticks})`);
}
function myfunc(): void {
  console.log('myfunc ran');
}

// scheduler.add_job(Time_task, 'interval', seconds=3)
await scheduler.addJob(timeTask, 'interval', { seconds: 1, id: 'time_task' });

// job = scheduler.add_job(myfunc, 'interval', minutes=2); job.remove(): through the Job handle.
const job = await scheduler.addJob(myfunc, 'interval', { minutes: 2 });
await job.remove();
console.log(`removed job ${job.id} through its handle`);

// scheduler.add_job(myfunc, 'interval', minutes=2, id='my_job_id'); scheduler.remove_job('my_job_id')
await scheduler.addJob(myfunc, 'interval', { minutes: 2, id: 'my_job_id' });
await scheduler.removeJob('my_job_id');
console.log(`removed my_job_id by id; jobs left: ${(await scheduler.getJobs()).map((j) => j.id).join(', ')}`);

// A BlockingScheduler's start() blocks until shutdown: in Horae that is `await scheduler.run()`,
// which also shuts down cleanly on Ctrl-C (SIGINT) or SIGTERM. Here a listener stops it after 3 runs.
scheduler.on('job_executed', (event) => {
  if (event.jobId === 'time_task' && ticks === 3) void scheduler.shutdown();
});
await scheduler.run();
console.log(`scheduler shut down after ${ticks} runs of Time_task`);
