// The `calendarinterval` trigger: every N days, weeks, months or years, at a fixed time of day.
//
// Mirrors tutorial 003 §3 item 4: "calendarinterval：当您想要在一天中的特定时间以日历为基础的间隔运行任务时使用"
// (run at a specific time of day, on calendar-based intervals). Unlike `interval`, a step is a
// calendar step: "every month on the 31st at 09:00" skips months without a 31st instead of sliding
// to the 28th, and "every day at 02:30" stays at 02:30 across a daylight-saving change.
//
// Calendar steps are days apart at the least, so this prints the coming run times instead of
// waiting for them. Prints "monthly on the 31st -> 2026-01-31 09:00:00 | 2026-03-31 ..." and so on.
// Run: npx tsx examples/trigger-calendarinterval.ts
import { CalendarIntervalTrigger, Scheduler, type Trigger } from 'horae';

const timezone = 'Europe/Berlin';
const wall = (date: Date) => date.toLocaleString('sv-SE', { timeZone: timezone });

/** The first `count` fire times of a trigger from `from`. */
function fireTimes(trigger: Trigger, count: number, from = new Date()): string[] {
  const times: string[] = [];
  let previous: Date | null = null;
  while (times.length < count) {
    const next: Date | null = trigger.getNextFireTime(previous, from);
    if (next === null) break;
    times.push(wall(next));
    previous = next;
  }
  return times;
}

// Every month at 09:00, anchored on 31 January 2026: February, April, June ... have no 31st.
const monthly = new CalendarIntervalTrigger({ months: 1, hour: 9, startDate: '2026-01-31', timezone });
console.log(`monthly on the 31st   -> ${fireTimes(monthly, 4, new Date('2026-01-01')).join(' | ')}`);

// Every day at 02:30 across the spring-forward night of 29 March 2026: 02:30 does not exist that
// day, so that run moves forward by the gap, to 03:30; the next day is at 02:30 again.
const nightly = new CalendarIntervalTrigger({
  days: 1,
  hour: 2,
  minute: 30,
  startDate: '2026-03-28',
  timezone,
});
console.log(`daily at 02:30 (DST)  -> ${fireTimes(nightly, 3, new Date('2026-03-28')).join(' | ')}`);

// Every 2 weeks at 18:00, from today, as a job: the alias form with the scheduler's timezone.
const scheduler = new Scheduler({ timezone });
const job = await scheduler.addJob(() => console.log('fortnightly report'), 'calendarinterval', {
  weeks: 2,
  hour: 18,
  id: 'fortnightly',
});
console.log(`every 2 weeks at 18h  -> ${fireTimes(job.trigger, 3).join(' | ')}`);

await scheduler.start();
await scheduler.printJobs();
await scheduler.shutdown();
