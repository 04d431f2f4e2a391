// The `and` and `or` triggers: one job, several triggers.
//
// Mirrors tutorial 003 §3: "一个任务也可以设定多种触发器，比如，可以设定同时满足所有触发器条件而触发，
// 或者满足一项即触发" (a job may have several triggers, firing when all agree, or when any one fires).
//
// AndTrigger fires only when all of its triggers agree: printed as upcoming run times. OrTrigger
// fires whenever any of its triggers does: here every second divisible by 2 or by 3, so the job
// really runs. Prints "or-job ran (run 1)" ... "(run 3)".
// Run: npx tsx examples/trigger-and-or.ts
import {
  AndTrigger,
  CalendarIntervalTrigger,
  CronTrigger,
  InvalidTriggerError,
  OrTrigger,
  Scheduler,
  type Trigger,
} from 'horae';

const timezone = 'Asia/Shanghai';
const wall = (date: Date) => date.toLocaleString('sv-SE', { timeZone: timezone });

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

// AND: 09:00 on weekdays, but only in the first week of the month (a cron day field alone would do
// it too; `and` combines triggers of any kind, interval and calendarinterval included).
const firstWeekdayMornings = new AndTrigger([
  new CronTrigger({ dayOfWeek: 'mon-fri', hour: 9, timezone }),
  new CronTrigger({ day: '1-7', hour: 9, timezone }),
]);
console.log(`and: weekday 09:00 in days 1-7 -> ${nextFireTimes(firstWeekdayMornings, 4).join(' | ')}`);

// OR: 08:00 on weekdays, or 10:00 at weekends.
const mornings = new OrTrigger([
  new CronTrigger({ dayOfWeek: 'mon-fri', hour: 8, timezone }),
  new CronTrigger({ dayOfWeek: 'sat,sun', hour: 10, timezone }),
]);
console.log(`or: weekdays 08:00, weekends 10:00 -> ${nextFireTimes(mornings, 4).join(' | ')}`);

// An OR trigger that fires soon: on every second divisible by 2 or by 3 (0, 2, 3, 4, 6, 8, 9, 10, ...).
const scheduler = new Scheduler({ timezone });
let runs = 0;
const done = new Promise<void>((resolve) =>
  scheduler.on('job_executed', (event) => {
    if (event.jobId === 'or-job' && runs === 3) resolve();
  }),
);
await scheduler.addJob(
  () => console.log(`${wall(new Date())}  or-job ran (run ${++runs})`),
  new OrTrigger([new CronTrigger({ second: '*/2' }), new CronTrigger({ second: '*/3' })]),
  { id: 'or-job' },
);
// The alias form works too, addJob(fn, 'and', { triggers: [...] }): every other day at 09:00, if a weekday.
await scheduler.addJob(() => console.log('weekday report'), 'and', {
  triggers: [
    new CalendarIntervalTrigger({ days: 2, hour: 9, timezone }),
    new CronTrigger({ dayOfWeek: 'mon-fri', hour: 9, timezone }),
  ],
  id: 'and-alias',
});

// Triggers that never agree (09:00 and 10:00) make a clear error, never an endless search.
try {
  new AndTrigger([new CronTrigger({ hour: 9 }), new CronTrigger({ hour: 10 })]).getNextFireTime(
    null,
    new Date(),
  );
} catch (error) {
  if (!(error instanceof InvalidTriggerError)) throw error;
  console.log(`and of 09:00 and 10:00 -> ${error.code}: they never fire at the same moment`);
}

await scheduler.start();
await scheduler.printJobs();
await done;
await scheduler.shutdown();
console.log(`done: or-job ran ${runs} times`);
