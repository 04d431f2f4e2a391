// Horae in a Hono app on Node (horae/hono): attachScheduler runs the scheduler with the
// @hono/node-server server (start when it listens, drain when it closes or on SIGINT/SIGTERM), and
// adminRoutes mounts the admin dashboard with app.route('/admin', ...), behind the app's own
// basic-auth middleware.
//
// The example is its own client: it opens the dashboard without and with credentials, then closes
// the server while a slow job runs. Prints "cleanup ran", "GET /admin without credentials -> 401",
// "GET /admin with credentials -> 200", and "report finished" before "server closed".
// Run: npx tsx examples/web-hono.ts
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { Scheduler } from 'horae';
import { adminRoutes, attachScheduler } from 'horae/hono';

const password = 'correct horse'; // the app's own credentials, read from its configuration

const scheduler = new Scheduler({ timezone: 'UTC' });
const app = new Hono();
app.get('/jobs', async (c) =>
  c.json((await scheduler.getJobs()).map((job) => `${job.id}: ${job.trigger.toString()}`)),
);
// The app's own authentication guards the dashboard; the admin handler adds nothing to it.
app.use('/admin/*', basicAuth({ username: 'ops', password }));
const admin = await adminRoutes(scheduler, { basePath: '/admin', insecure: true });
app.route('/admin', admin);

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
const attached = attachScheduler(server, scheduler, {
  tasks: {
    cleanup: () => console.log('cleanup ran'),
    report: async () => {
      console.log('report started');
      await new Promise((resolve) => setTimeout(resolve, 500));
      console.log('report finished');
      return 'sent';
    },
  },
  jobs: [
    { func: 'cleanup', trigger: 'interval', seconds: 0.2, id: 'cleanup' },
    { func: 'report', trigger: 'cron', dayOfWeek: 'mon-fri', hour: 10, minute: 30, id: 'report' },
  ],
  admin,
});
await attached.started;
const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
console.log(`listening on ${origin}; scheduler ${scheduler.state}`);
console.log(`GET /jobs -> ${await (await fetch(`${origin}/jobs`)).text()}`);

await new Promise<void>((resolve) => {
  let runs = 0;
  scheduler.on('job_executed', (event) => event.jobId === 'cleanup' && ++runs === 2 && resolve());
});

console.log(`GET /admin without credentials -> ${(await fetch(`${origin}/admin`)).status}`);
const authorization = `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;
const page = await fetch(`${origin}/admin/jobs`, { headers: { authorization } });
console.log(
  `GET /admin with credentials -> ${page.status}, lists report: ${(await page.text()).includes('report')}`,
);

// Run the report now and close the server while it runs: the callback waits for the job.
const submitted = new Promise<void>((resolve) =>
  scheduler.on('job_submitted', (event) => event.jobId === 'report' && resolve()),
);
await scheduler.runJob('report');
await submitted;
await new Promise<void>((resolve) => server.close(() => resolve()));
console.log(`server closed; scheduler ${scheduler.state}`);
