// A scheduler wrapped in an application class, fed with crontab strings, and an event listener.
//
// Mirrors tutorial 002 "实例": schedulers.py (class _Scheduler with a MemoryJobStore, the Shanghai
// timezone, add_job_url(sid, url, cron_str) splitting a crontab string into cron fields with
// replace_existing=True, remove_job, get_job, get_jobs, and _get_url fetching
// url?sid=...&version=<today>) and Add_listener.py (a listener on EVENT_JOB_SUBMITTED printing
// event.job_id, event.scheduled_run_times[0], the job's next_run_time and its trigger).
//
// The tutorial fetches www.baidu.com; this fetches a page from a local node:http server it starts
// itself, so it runs offline. '* * * * *' first fires at the next whole minute, so the job is also
// given `nextRunTime: new Date()` (APScheduler's next_run_time=datetime.now() idiom: run once now,
// then follow the crontab). Prints the listener's four lines and "server got /?sid=1&version=...".
// Run: npx tsx examples/scheduler-wrapper.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_JOB_SUBMITTED, MemoryJobStore, Scheduler, type JobSubmissionEvent } from 'horae';

const timezone = 'Asia/Shanghai';
const wall = (date: Date | null | undefined) => date?.toLocaleString('sv-SE', { timeZone: timezone }) ?? '-';

// ------------------------------------------------------------------ schedulers.py

/** 计划任务执行的方法: the job. Fetches `url?sid=...&version=<today>`. */
async function getUrl(sid: number, url: string): Promise<string> {
  const version = wall(new Date()).slice(0, 10);
  const response = await fetch(`${url}?sid=${sid}&version=${version}`);
  const page = await response.text();
  console.log(`_get_url(${sid}): HTTP ${response.status}, ${page.length} characters`);
  return page;
}

class AppScheduler {
  readonly jobStore = new MemoryJobStore(); // 创建内存JobStore
  // BlockingScheduler started in a Thread, in the tutorial: Horae's start() already runs in the
  // background of the event loop, so no thread is needed.
  readonly scheduler = new Scheduler({ jobStores: { default: this.jobStore }, timezone });

  start(): Promise<void> {
    return this.scheduler.start();
  }

  /** 向计划中添加任务: `cronStr` is a 5-field crontab, "minute hour day month day_of_week". */
  addJobUrl(sid: number, url: string, cronStr: string, options: { runNow?: boolean } = {}) {
    const fields = cronStr.trim().split(/\s+/);
    if (fields.length !== 5) throw new Error(`expected 5 crontab fields, got ${JSON.stringify(cronStr)}`);
    const [minute, hour, day, month, dayOfWeek] = fields as [string, string, string, string, string];
    return this.scheduler.addJob(getUrl, 'cron', {
      args: [sid, url],
      minute,
      hour,
      day,
      month,
      dayOfWeek,
      id: String(sid),
      name: String(sid),
      replaceExisting: true,
      ...(options.runNow === true ? { nextRunTime: new Date() } : {}),
    });
  }

  removeJob(sid: number | string) {
    return this.scheduler.removeJob(String(sid)); // 删除任务
  }

  getJob(sid: number | string) {
    return this.scheduler.getJob(String(sid)); // 查看任务信息
  }

  getJobs() {
    return this.scheduler.getJobs(); // 查看所有任务信息
  }

  shutdown() {
    return this.scheduler.shutdown();
  }
}

// ------------------------------------------------------------------ Add_listener.py

// The stand-in for www.baidu.com.
const server = createServer((request, response) => {
  console.log(`server got ${request.url}`);
  response.end('<html><title>百度一下，你就知道</title></html>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const appScheduler = new AppScheduler();
await appScheduler.start();

let listened!: () => void;
const heard = new Promise<void>((resolve) => (listened = resolve));
async function report(event: JobSubmissionEvent): Promise<void> {
  const job = await appScheduler.getJob(event.jobId);
  const scheduled = event.scheduledRunTimes[0] ?? null;
  const now = new Date();
  console.log(event.jobId);
  console.log(wall(scheduled));
  // As in APScheduler, the event comes before the store moves the job on to its next run, so the
  // stored next run time may still be this run's; the trigger says when the one after it is.
  console.log(
    `${wall(job?.nextRunTime)} (next after this run: ${wall(job?.trigger.getNextFireTime(scheduled, now))})`,
  );
  console.log(String(job?.trigger));
  listened();
}
// The mask makes this listener hear only EVENT_JOB_SUBMITTED, so the event is a JobSubmissionEvent.
appScheduler.scheduler.addListener(
  (event) => void report(event as JobSubmissionEvent).catch(console.error),
  EVENT_JOB_SUBMITTED,
);

const programCronStr1 = '* * * * *';
const programCronStr2 = '*/2 * * * *';
const ran = new Promise<void>((resolve) =>
  appScheduler.scheduler.on('job_executed', (event) => event.jobId === '1' && resolve()),
);
await appScheduler.addJobUrl(1, url, programCronStr1, { runNow: true });
await appScheduler.addJobUrl(2, url, programCronStr2);
// Adding sid 2 again replaces it (replaceExisting), it does not fail.
await appScheduler.addJobUrl(2, url, programCronStr2);

await Promise.all([heard, ran]);
const second = await appScheduler.getJob(2);
console.log(`job 2 (${programCronStr2}) next runs at ${wall(second?.nextRunTime)}`);
console.log(`jobs: ${(await appScheduler.getJobs()).map((job) => job.id).join(', ')}`);
await appScheduler.removeJob(1);
await appScheduler.removeJob(2);
console.log(`after remove_job: ${(await appScheduler.getJobs()).length} jobs`);

await appScheduler.shutdown();
server.close();
