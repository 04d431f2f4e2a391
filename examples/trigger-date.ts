// The `date` trigger: run a job once, at a point in time.
//
// Mirrors tutorial 003 §3.1 (`add_job(my_job, 'date', run_date=date(2019, 4, 15), args=['测试任务'])`,
// the `datetime(...)` form and the text form `run_date='2009-11-06 16:30:05'`) and tutorial 004 §1
// (the same three forms, and `add_job(my_job, args=['text'])`: no trigger means "run now").
//
// Prints each run of my_job with its text, the next run time of a job due tomorrow, and the missed
// run of the tutorial's own date (2019-04-15 is long past, so the scheduler reports it missed).
// Run: npx tsx examples/trigger-date.ts
import { Scheduler } from 'horae';

const timezone = 'Asia/Shanghai';
const scheduler = new Scheduler({ timezone });

/** A wall-clock time in `timezone` as 'YYYY-MM-DD HH:MM:SS' (what Python's strftime would print). */
const wall = (date: Date) => date.toLocaleString('sv-SE', { timeZone: timezone });

function myJob(text: string): void {
  console.log(`${wall(new Date())}  my_job: ${text}`);
}

scheduler.on('job_missed', (event) =>
  console.log(`missed: job ${event.jobId} was due at ${wall(event.scheduledRunTime)}`),
);

// datetime(2019, 4, 15, 17, 30, 5): a Date. Here one second from now, so it really runs.
await scheduler.addJob(myJob, 'date', { runDate: new Date(Date.now() + 1000), args: ['测试任务 (a Date)'] });

// run_date='2009-11-06 16:30:05': a naive text time, read in the scheduler's timezone.
const inTwoSeconds = wall(new Date(Date.now() + 2000));
await scheduler.addJob(myJob, 'date', { runDate: inTwoSeconds, args: [`测试任务 (text '${inTwoSeconds}')`] });

// run_date=date(2022, 11, 6): a date alone means midnight of that day. Tomorrow, so it stays scheduled.
const tomorrow = wall(new Date(Date.now() + 86_400_000)).slice(0, 10);
await scheduler.addJob(myJob, 'date', { runDate: tomorrow, args: ['测试任务 (a date)'], id: 'tomorrow' });

// The tutorial's own date, 2019-04-15: in the past, so it is missed (beyond the 1 s misfire grace time).
await scheduler.addJob(myJob, 'date', { runDate: '2019-04-15', args: ['测试任务'], id: 'april-2019' });

// sched.add_job(my_job, args=['text']): no trigger at all runs the job once, as soon as the scheduler starts.
await scheduler.addJob(myJob, null, { args: ['立即执行 (no trigger: run now)'] });

let runs = 0;
const allRan = new Promise<void>((resolve) =>
  scheduler.on('job_executed', () => {
    if (++runs === 3) resolve();
  }),
);
await scheduler.start();
const due = await scheduler.getJob('tomorrow');
console.log(
  `the job 'tomorrow' will run at ${due?.nextRunTime ? wall(due.nextRunTime) : 'never'} (${timezone})`,
);

await allRan;
await scheduler.printJobs();
await scheduler.shutdown();
console.log(`done: ${runs} runs`);
