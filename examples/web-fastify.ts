// Horae in a Fastify app (horae/fastify): the plugin decorates the app with its scheduler, adds
// the jobs declared in its options, starts with the app and drains with it; the admin dashboard is
// mounted under /admin, behind the app's own authentication hook.
//
// The example is its own client: it calls the app's routes, opens the dashboard without and with
// a session, then closes the app while a slow job runs. Prints "cleanup ran", "GET /admin without
// a session -> 401", "GET /admin with a session -> 200", and "report finished" before "app closed".
// Run: npx tsx examples/web-fastify.ts
import Fastify from 'fastify';
import { horaePlugin } from 'horae/fastify';

const SESSION = 'ops-session'; // a stand-in for the app's real sessions

const fastify = Fastify();
// The app's own authentication, for every route of the app, the dashboard included.
fastify.addHook('onRequest', async (request, reply) => {
  if (request.url.startsWith('/admin') && request.headers.cookie !== `session=${SESSION}`) {
    await reply.code(401).send({ error: 'log in first' });
  }
});

await fastify.register(horaePlugin, {
  scheduler: { timezone: 'UTC' },
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
    // An id makes a declared job upsert: a restart on a persistent store keeps one copy.
    { func: 'cleanup', trigger: 'interval', seconds: 0.2, id: 'cleanup' },
    { func: 'report', trigger: 'cron', dayOfWeek: 'mon-fri', hour: 10, minute: 30, id: 'report' },
  ],
  // The hook above already guards it; `insecure` says the handler itself checks nothing more.
  admin: { basePath: '/admin', insecure: true },
});

fastify.get('/jobs', async () =>
  (await fastify.scheduler.getJobs()).map((job) => `${job.id}: ${job.trigger.toString()}`),
);

const origin = await fastify.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on ${origin}; scheduler ${fastify.scheduler.state}`);
console.log(`GET /jobs -> ${await (await fetch(`${origin}/jobs`)).text()}`);

const cleanups = new Promise<void>((resolve) => {
  let runs = 0;
  fastify.scheduler.on('job_executed', (event) => event.jobId === 'cleanup' && ++runs === 2 && resolve());
});
await cleanups;

console.log(`GET /admin without a session -> ${(await fetch(`${origin}/admin`)).status}`);
const page = await fetch(`${origin}/admin/jobs`, { headers: { cookie: `session=${SESSION}` } });
const html = await page.text();
console.log(`GET /admin with a session -> ${page.status}, lists report: ${html.includes('report')}`);

// Run the report now, and close the app while it runs: close waits for it.
const started = new Promise<void>((resolve) =>
  fastify.scheduler.on('job_submitted', (event) => event.jobId === 'report' && resolve()),
);
await fastify.scheduler.runJob('report');
await started;
await fastify.close();
console.log(`app closed; scheduler ${fastify.scheduler.state}`);
