// Horae in a NestJS app (horae/nest): HoraeModule provides the Scheduler, jobs are declared with
// @Cron, @Interval and @Timeout on a provider's methods, the scheduler starts at bootstrap and
// drains when the app closes. The admin dashboard is mounted under /admin behind the app's own
// authentication (horae/express, since Nest runs on Express here).
//
// The example is its own client: it lists the jobs through a controller, opens the dashboard
// without and with a session, runs the slow export now, then closes the app while it runs. Prints
// "heartbeat ran 3 times", "GET /admin/api/jobs without a session -> 401", "... with a session ->
// 200", and "export finished" before "app closed".
// Run: npx tsx examples/nest-app.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { Scheduler } from 'horae';
import { adminMiddleware } from 'horae/express';
import { Cron, HoraeModule, InjectScheduler, Interval, Timeout } from 'horae/nest';
import { SqliteJobStore } from 'horae/stores/sqlite';

const dir = mkdtempSync(join(tmpdir(), 'horae-nest-example-'));
const SESSION = 'ops-session'; // a stand-in for the app's real sessions

@Injectable()
class ReportService {
  heartbeats = 0;
  exporting = false;

  // Stored as 'ReportService.daily', a task name every process of the app resolves to its own
  // ReportService: a persistent store keeps the name, not the method.
  @Cron('30 10 * * mon-fri', { timezone: 'Europe/Paris' })
  daily() {
    console.log('daily report sent');
  }

  @Interval(200, { id: 'heartbeat' })
  heartbeat() {
    this.heartbeats++;
  }

  @Timeout(0, { id: 'warm-cache' })
  warmCache() {
    console.log('cache warmed once, at boot');
  }

  // No trigger that fires soon: the example runs it by hand to show the drain.
  @Cron('0 3 1 * *', { id: 'export' })
  async export() {
    this.exporting = true;
    console.log('export started');
    await new Promise((resolve) => setTimeout(resolve, 500));
    console.log('export finished');
  }
}

@Controller('jobs')
class JobsController {
  // tsx (esbuild) emits no decorator metadata, so inject by token; with tsc or SWC,
  // `constructor(private readonly scheduler: Scheduler)` works too.
  constructor(@InjectScheduler() private readonly scheduler: Scheduler) {}

  @Get()
  async list() {
    return (await this.scheduler.getJobs()).map((job) => `${job.id}: ${job.trigger.toString()}`);
  }
}

@Module({
  imports: [
    HoraeModule.forRoot({
      jobStores: { default: new SqliteJobStore({ path: join(dir, 'jobs.sqlite') }) },
      timezone: 'UTC',
    }),
  ],
  controllers: [JobsController],
  providers: [ReportService],
})
class AppModule {}

/** The app's own authentication: it puts the user on the request, or answers 401. */
function requireLogin(request: Request, response: Response, next: NextFunction): void {
  if (request.headers.cookie !== `session=${SESSION}`) {
    response.status(401).json({ error: 'log in first' });
    return;
  }
  Object.assign(request, { user: { name: 'ada', role: 'ops' } });
  next();
}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks(); // SIGINT and SIGTERM close the app, which drains the scheduler
const scheduler = app.get(Scheduler);
const admin = adminMiddleware(scheduler, {
  basePath: '/admin',
  authorize: (_request, nodeRequest) =>
    (nodeRequest as { user?: { role: string } } | undefined)?.user?.role === 'ops',
});
app.use('/admin', requireLogin, admin);
await app.listen(0, '127.0.0.1');
const origin = (await app.getUrl()).replace('[::1]', '127.0.0.1');
console.log(`listening on ${origin}; scheduler ${scheduler.state}`);

const reports = app.get(ReportService);
while (reports.heartbeats < 3) await new Promise((resolve) => setTimeout(resolve, 50));
console.log(`heartbeat ran ${reports.heartbeats} times`);
console.log(`GET /jobs -> ${await (await fetch(`${origin}/jobs`)).text()}`);

const anonymous = await fetch(`${origin}/admin/api/jobs`);
console.log(`GET /admin/api/jobs without a session -> ${anonymous.status}`);
const withSession = await fetch(`${origin}/admin/api/jobs`, { headers: { cookie: `session=${SESSION}` } });
const { total } = (await withSession.json()) as { total: number };
console.log(`GET /admin/api/jobs with a session -> ${withSession.status} (${total} jobs)`);

await scheduler.runJob('export');
while (!reports.exporting) await new Promise((resolve) => setTimeout(resolve, 10));
admin.close(); // ends open dashboard event streams, which would hold the HTTP server open
await app.close();
console.log(`app closed; scheduler ${scheduler.state}`);
rmSync(dir, { recursive: true, force: true });
