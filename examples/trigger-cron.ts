// The `cron` trigger: run a job at certain times of day, with crontab-like fields.
//
// Mirrors tutorial 004 "基本使用" (`add_job(Time_task, 'cron', day='*', hour=10, minute=30)`, every
// day at 10:30), tutorial 004's decorator `@sched.scheduled_job('cron', hour=8, minute='59')`, and
// tutorial 001's list of cron fields (year, month, day, week, day_of_week, hour, minute, second,
// start_date, end_date, timezone). Fields are camelCase: `dayOfWeek`, `startDate`, `endDate`.
// Weekday numbers follow cron, 0 and 7 = Sunday (APScheduler 3 used 0 = Monday); names like
// 'mon-fri' mean the same in both.
//
// 10:30 and 08:59 are hours away, so for those it prints the next run times instead of waiting;
// a `second: '*/2'` job really runs twice. Prints "every-2-seconds ran" for each run.
// Run: npx tsx examples/trigger-cron.ts
import { CronTrigger, Scheduler, type Trigger } from 'horae';

const timezone = 'Asia/Shanghai';
const scheduler = new Scheduler({ timezone });
const wall = (date: Date) => date.toLocaleString('sv-SE', { timeZone: timezone });

/** The next `count` fire times of a trigger from now: what the scheduler will do, without waiting for it. */
function nextFireTimes(trigger: Trigger, count: number): string[] {
  const times: string[] = [];
  let previous: Date | null = null;
  const now = new Date();
  while (times.length < count) {
    const next: Date | null = trigger.getNextFireTime(previous, now);
    if (next === null) break;
    times.push(wall(next));
    previous = next;
  }
  return times;
}

function timeTask(): void {
  console.log(`The time is : ${wall(new Date())}`);
}

// scheduler.add_job(Time_task, 'cron', day='*', hour=10, minute=30): every day at 10:30.
const daily = await scheduler.addJob(timeTask, 'cron', { day: '*', hour: 10, minute: 30, id: 'daily-10-30' });
console.log(`daily at 10:30       -> ${nextFireTimes(daily.trigger, 3).join(' | ')}`);

// @sched.scheduled_job('cron', hour=8, minute='59'): the decorator form wraps and registers a function.
const morningReport = scheduler.scheduledJob('cron', { hour: 8, minute: '59', id: 'morning-report' })(
  function morningReport() {
    console.log('good morning, here is the report');
  },
);

// More of the fields from tutorial 001: weekdays at 09:00 and 18:00, during 2030 only.
const workdays = new CronTrigger({
  dayOfWeek: 'mon-fri',
  hour: '9,18',
  startDate: '2030-01-01',
  endDate: '2030-12-31 23:59:59',
  timezone,
});
await scheduler.addJob(timeTask, workdays, { id: 'workdays-2030' });
console.log(`mon-fri 9:00, 18:00  -> ${nextFireTimes(workdays, 3).join(' | ')}`);

// A crontab line, as Linux cron writes it: minute hour day month weekday.
const everyFive = CronTrigger.fromCrontab('*/5 * * * *', { timezone });
console.log(`crontab */5 * * * * -> ${nextFireTimes(everyFive, 3).join(' | ')}`);

// And one that fires right away: every 2 seconds.
let runs = 0;
const twoRuns = new Promise<void>((resolve) =>
  scheduler.on('job_executed', (event) => {
    if (event.jobId === 'every-2-seconds' && ++runs === 2) resolve();
  }),
);
await scheduler.addJob(() => console.log(`${wall(new Date())}  every-2-seconds ran`), 'cron', {
  second: '*/2',
  id: 'every-2-seconds',
});

await scheduler.start();
const decorated = await scheduler.getJob('morning-report');
if (decorated?.nextRunTime) {
  console.log(`${morningReport.name} (decorator) next runs at ${wall(decorated.nextRunTime)}`);
}
await scheduler.printJobs();

await twoRuns;
await scheduler.shutdown();
console.log(`done: every-2-seconds ran ${runs} times`);
