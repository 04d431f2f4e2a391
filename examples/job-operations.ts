// Job operations: add, start, pause, resume, modify, look up, remove, shut down.
//
// Mirrors tutorial 001 "操作":
//     job_1 = sche.add_job(func, "interval", seconds=10, id="job_1")
//     sche.start(); job_1.remove() / sche.remove_job("job_1"); job_1.pause() / sche.pause_job("job_1");
//     job_1.resume() / sche.resume_job("job_1"); sche.shutdown()
// tutorial 002 "启动计划" (`start(paused=False)`) and "暂停/恢复Job" (pause_job, resume_job), and
// tutorial 000 "使用（增、删、改、查、暂停、恢复、开始、关闭）" (add, remove, modify, query, pause,
// resume, start, shut down). Every job operation returns a Promise.
//
// Prints each step and, at the end, "job_1 ran N times; state: stopped".
// Run: npx tsx examples/job-operations.ts
import { Scheduler } from 'horae';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const scheduler = new Scheduler();

// Tutorial 001's experiment function: prints i = 0 .. num-1, sleeping a little longer each time.
let runs = 0;
async function func(num = 10): Promise<void> {
  runs++;
  for (let i = 0; i < num; i++) {
    console.log(`  i = ${i}`);
    await sleep(i * 10);
  }
}

/** Resolves after job_1's next run. */
const nextRun = () =>
  new Promise<void>((resolve) => {
    const listener = (event: { jobId: string }) => {
      if (event.jobId !== 'job_1') return;
      scheduler.off('job_executed', listener);
      resolve();
    };
    scheduler.on('job_executed', listener);
  });

// 增 (add). Before start() the job is pending; start() stores it.
const job1 = await scheduler.addJob(func, 'interval', { seconds: 0.5, id: 'job_1', args: [3] });
console.log(`added ${job1.id}, pending: ${job1.pending}`);

// 开始 (start), paused: nothing runs until resume().
await scheduler.start({ paused: true });
console.log(`started paused, state: ${scheduler.state}`);
await sleep(700);
console.log(`after 0.7 s paused, job_1 ran ${runs} times`);
scheduler.resume();
console.log(`resumed, state: ${scheduler.state}`);
await nextRun();

// 暂停 / 恢复 (pause / resume) through the Job handle ...
await job1.pause();
console.log(`job_1.pause(): next run time ${String(job1.nextRunTime)}`);
const before = runs;
await sleep(1200);
console.log(`while paused for 1.2 s job_1 ran ${runs - before} times`);
await job1.resume();
console.log(`job_1.resume(): next run at ${job1.nextRunTime?.toISOString()}`);
await nextRun();

// ... and through the scheduler, by id.
await scheduler.pauseJob('job_1');
console.log(
  `scheduler.pauseJob('job_1'): paused = ${(await scheduler.getJob('job_1'))?.nextRunTime === null}`,
);
await scheduler.resumeJob('job_1');
console.log(
  `scheduler.resumeJob('job_1'): paused = ${(await scheduler.getJob('job_1'))?.nextRunTime === null}`,
);

// 改 (modify): new args and name; reschedule: a new trigger.
await scheduler.modifyJob('job_1', { name: 'func(2)', args: [2] });
await job1.reschedule('interval', { seconds: 0.3 });
await nextRun();

// 查 (query): one job, all jobs, and the printed table.
const found = await scheduler.getJob('job_1');
console.log(`getJob('job_1'): ${found?.name}, trigger ${found?.trigger.toString()}`);
await scheduler.addJob(func, 'interval', { minutes: 10, id: 'job_2' });
console.log(`getJobs(): ${(await scheduler.getJobs()).map((job) => job.id).join(', ')}`);
await scheduler.printJobs();

// 删 (remove): through the handle, and by id. getJob is null once a job is gone.
await job1.remove();
await scheduler.removeJob('job_2');
const left = (await scheduler.getJobs()).length;
console.log(`removed: getJob('job_1') = ${await scheduler.getJob('job_1')}, jobs left: ${left}`);

// 关闭 (shutdown): waits for running jobs to finish.
await scheduler.shutdown();
console.log(`job_1 ran ${runs} times; state: ${scheduler.state}`);
