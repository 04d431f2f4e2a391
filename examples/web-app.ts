// A scheduler inside a web application: started with the server, shut down with it.
//
// Mirrors tutorial 004 §2 (FastAPI with an AsyncIOScheduler: `@app.on_event("startup")` adds
// `poll_third_party_api` every 5 minutes and starts the scheduler, `@app.on_event("shutdown")`
// shuts it down) and tutorial 004's BackgroundScheduler example polling an API every 5 minutes.
// Built on node:http alone, with the two hooks written by hand. The integrations do it for you:
// horae/fastify, horae/express and horae/hono (web-fastify.ts, web-express.ts, web-hono.ts; see
// docs/integrations.md).
//
// The app has GET /jobs (the jobs as JSON), POST /jobs (adds a job) and DELETE /jobs/<id>; the
// example calls them itself, then closes the server. Prints the JSON responses, "polled the
// third-party API", "hello from a job added over HTTP", and "scheduler state after close: stopped".
// Run: npx tsx examples/web-app.ts
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobLookupError, Scheduler, type Job } from 'horae';

const scheduler = new Scheduler();
let baseUrl = '';

async function pollThirdPartyApi(): Promise<void> {
  // 轮询第三方API并处理数据: here the "third party" is a route of this same app.
  const data = (await (await fetch(`${baseUrl}/third-party`)).json()) as { orders: number };
  console.log(`polled the third-party API: ${data.orders} new orders`);
}

// @app.on_event("startup")
async function startup(): Promise<void> {
  // minutes: 5 in the tutorial; half a second here, so the example sees it run.
  await scheduler.addJob(pollThirdPartyApi, 'interval', { seconds: 0.5, id: 'poll' });
  await scheduler.start();
}

// @app.on_event("shutdown")
async function shutdown(): Promise<void> {
  await scheduler.shutdown();
}

const describeJob = (job: Job) => ({
  id: job.id,
  name: job.name,
  trigger: job.trigger.toString(),
  nextRunTime: job.nextRunTime?.toISOString() ?? null,
});

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return JSON.parse(body || '{}') as Record<string, unknown>;
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const send = (status: number, value: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(value));
  };
  const { pathname } = new URL(request.url ?? '/', baseUrl);
  if (request.method === 'GET' && pathname === '/third-party') {
    return send(200, { orders: Math.floor(Math.random() * 10) });
  }
  if (request.method === 'GET' && pathname === '/jobs') {
    return send(200, (await scheduler.getJobs()).map(describeJob));
  }
  if (request.method === 'POST' && pathname === '/jobs') {
    const { id, seconds, message } = await readJson(request);
    const job = await scheduler.addJob((text: string) => console.log(text), 'interval', {
      seconds: Number(seconds),
      args: [String(message)],
      id: String(id),
      replaceExisting: true,
    });
    return send(201, describeJob(job));
  }
  if (request.method === 'DELETE' && pathname.startsWith('/jobs/')) {
    try {
      await scheduler.removeJob(decodeURIComponent(pathname.slice('/jobs/'.length)));
      return send(204, null);
    } catch (error) {
      if (error instanceof JobLookupError) return send(404, { error: error.message });
      throw error;
    }
  }
  send(404, { error: 'not found' });
}

const server = createServer((request, response) => {
  route(request, response).catch((error: unknown) => {
    response.writeHead(500).end(JSON.stringify({ error: String(error) }));
  });
});
// The server's close shuts the scheduler down, as FastAPI's shutdown event does.
server.on('close', () => void shutdown());

// Start: the scheduler first, then accept requests.
await startup();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`listening on ${baseUrl}`);

// A client of the app: list, add, wait for the new job to run, list, delete.
console.log(`GET /jobs -> ${await (await fetch(`${baseUrl}/jobs`)).text()}`);
const ranOverHttp = new Promise<void>((resolve) =>
  scheduler.on('job_executed', (event) => event.jobId === 'greeting' && resolve()),
);
const posted = await fetch(`${baseUrl}/jobs`, {
  method: 'POST',
  body: JSON.stringify({ id: 'greeting', seconds: 0.5, message: 'hello from a job added over HTTP' }),
});
console.log(`POST /jobs -> ${posted.status} ${await posted.text()}`);
await ranOverHttp;
console.log(`GET /jobs -> ${await (await fetch(`${baseUrl}/jobs`)).text()}`);
console.log(
  `DELETE /jobs/greeting -> ${(await fetch(`${baseUrl}/jobs/greeting`, { method: 'DELETE' })).status}`,
);

// Stop: closing the server shuts the scheduler down.
const stopped = new Promise<void>((resolve) => scheduler.on('scheduler_shutdown', () => resolve()));
server.close();
await stopped;
console.log(`scheduler state after close: ${scheduler.state}`);
