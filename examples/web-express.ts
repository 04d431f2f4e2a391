// Horae in an Express app (horae/express): attachScheduler starts the scheduler when the server
// listens and drains it when the server closes (or on SIGINT/SIGTERM); adminMiddleware mounts the
// admin dashboard under /admin, after the app's own authentication middleware.
//
// The example is its own client: it opens the dashboard without and with a session, pauses a job
// through the admin API, then closes the server while a slow job runs. Prints "cleanup ran",
// "GET /admin without a session -> 401", "GET /admin with a session -> 200", "paused cleanup", and
// "report finished" before "server closed".
// Run: npx tsx examples/web-express.ts
import express, { type NextFunction, type Request, type Response } from 'express';
import { Scheduler } from 'horae';
import { adminMiddleware, attachScheduler } from 'horae/express';

const SESSION = 'ops-session'; // a stand-in for the app's real sessions

/** The app's own authentication: it puts the user on the request, or answers 401. */
function requireLogin(request: Request, response: Response, next: NextFunction): void {
  if (request.headers.cookie !== `session=${SESSION}`) {
    response.status(401).json({ error: 'log in first' });
    return;
  }
  Object.assign(request, { user: { name: 'ada', role: 'ops' } });
  next();
}

const scheduler = new Scheduler({ timezone: 'UTC' });
const app = express();
app.use(express.json());
// The admin handler checks again what requireLogin found: only the ops role may use it.
const admin = adminMiddleware(scheduler, {
  basePath: '/admin',
  authorize: (_request, nodeRequest) =>
    (nodeRequest as { user?: { role: string } } | undefined)?.user?.role === 'ops',
});
app.use('/admin', requireLogin, admin);
app.get('/jobs', async (_request, response) => {
  response.json((await scheduler.getJobs()).map((job) => `${job.id}: ${job.trigger.toString()}`));
});

const server = app.listen(0, '127.0.0.1');
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
  admin, // closed first when the server closes, so open dashboards do not hold it up
});
await attached.started;
const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
console.log(`listening on ${origin}; scheduler ${scheduler.state}`);
console.log(`GET /jobs -> ${await (await fetch(`${origin}/jobs`)).text()}`);

await new Promise<void>((resolve) => {
  let runs = 0;
  scheduler.on('job_executed', (event) => event.jobId === 'cleanup' && ++runs === 2 && resolve());
});

console.log(`GET /admin without a session -> ${(await fetch(`${origin}/admin`)).status}`);
const session = { cookie: `session=${SESSION}` };
const page = await fetch(`${origin}/admin/jobs`, { headers: session });
console.log(
  `GET /admin with a session -> ${page.status}, lists report: ${(await page.text()).includes('report')}`,
);

// An action through the admin API: the CSRF token, then the action with it.
const { token } = (await (await fetch(`${origin}/admin/api/csrf-token`, { headers: session })).json()) as {
  token: string;
};
const paused = await fetch(`${origin}/admin/api/jobs/cleanup/pause`, {
  method: 'POST',
  headers: { ...session, 'x-horae-csrf': token },
});
const job = (await paused.json()) as { id: string; paused: boolean };
console.log(`POST /admin/api/jobs/cleanup/pause -> ${paused.status}: paused ${job.id} = ${job.paused}`);

// Run the report now and close the server while it runs: the callback waits for the job.
const submitted = new Promise<void>((resolve) =>
  scheduler.on('job_submitted', (event) => event.jobId === 'report' && resolve()),
);
await scheduler.runJob('report');
await submitted;
await new Promise<void>((resolve) => server.close(() => resolve()));
console.log(`server closed; scheduler ${scheduler.state}`);
