// The admin API and web dashboard of a scheduler (horae/admin), served in one call.
//
// Starts a scheduler with two jobs, serves the dashboard on 127.0.0.1 behind basic auth, then acts
// as a client of the JSON API: lists the jobs with their next runs, runs one now and reads its run
// history, and pauses the other. Prints "dashboard at http://127.0.0.1:<port>/admin/", the jobs,
// "ran report now: success (manual)", "paused cleanup" and "closed". With --keep it stays up
// until Ctrl-C, so you can open the dashboard (user "ops", the password it prints).
// Run: npx tsx examples/admin-dashboard.ts [--keep]
import { randomBytes } from 'node:crypto';
import { Scheduler } from 'horae';
import { serveAdmin } from 'horae/admin';

const scheduler = new Scheduler({ timezone: 'Asia/Shanghai' });
await scheduler.registerTask('send-report', () => 'report sent');
await scheduler.registerTask('clean-up', () => 'cleaned');
await scheduler.addJob('send-report', 'cron', {
  id: 'report',
  name: 'Weekday report',
  dayOfWeek: 'mon-fri',
  hour: 10,
  minute: 30,
});
await scheduler.addJob('clean-up', 'interval', { id: 'cleanup', name: 'Clean-up', hours: 6 });
await scheduler.start();

const password = process.env.ADMIN_PASSWORD ?? randomBytes(9).toString('base64url');
const admin = await serveAdmin(scheduler, {
  port: Number(process.env.PORT ?? 0),
  basePath: '/admin',
  basicAuth: { username: 'ops', password },
});
console.log(`dashboard at ${admin.url} (user ops, password ${password})`);

// A client of the JSON API: basic auth on every request, the CSRF token on actions.
const auth = { authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` };
const api = async (method: string, path: string) => {
  const response = await fetch(new URL(`api/${path}`, admin.url), {
    method,
    headers: { ...auth, 'x-horae-csrf': token },
  });
  return response.status === 204 ? null : ((await response.json()) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
};
let token = '';
token = (await api('GET', 'csrf-token'))?.token as string;

const { jobs } = (await api('GET', 'jobs')) as {
  jobs: { id: string; trigger: { description: string }; nextRunTime: string }[];
};
for (const job of jobs) console.log(`job ${job.id}: ${job.trigger.description}, next run ${job.nextRunTime}`);

const ran = new Promise<void>((resolve) =>
  scheduler.on('job_executed', (event) => event.jobId === 'report' && resolve()),
);
await api('POST', 'jobs/report/run');
await ran;
const { runs } = (await api('GET', 'jobs/report/runs')) as { runs: { outcome: string; manual: boolean }[] };
console.log(`ran report now: ${runs[0]?.outcome} (${runs[0]?.manual ? 'manual' : 'scheduled'})`);

const paused = await api('POST', 'jobs/cleanup/pause');
console.log(`paused ${paused?.id}: paused=${paused?.paused}`);

if (process.argv.includes('--keep')) {
  console.log('serving until Ctrl-C');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}
await admin.close();
await scheduler.shutdown();
console.log('closed');
