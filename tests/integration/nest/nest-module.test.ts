// horae/nest in a real Nest application (NestFactory.create, the Express platform): jobs declared by
// decorators run, the scheduler is injectable, a persistent store keeps the jobs by task name
// without duplicating them on a second boot, and app.close() drains a running job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  currentJob,
  InvalidArgumentError,
  InvalidTriggerError,
  IntervalTrigger,
  Scheduler,
  silentLogger,
} from '../../../src/index.js';
import {
  Cron,
  HoraeModule,
  InjectScheduler,
  Interval,
  ScheduledJob,
  Timeout,
  type HoraeModuleOptions,
} from '../../../src/nest/index.js';
import { SqliteJobStore } from '../../../src/stores/sqlite/index.js';
import { adminMiddleware } from '../../../src/web/express.js';
import { waitUntil } from '../../helpers/wait.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function boot(module: object): Promise<INestApplication> {
  const app = await NestFactory.create(module as never, { logger: false });
  await app.init();
  cleanup.push(() => app.close());
  return app;
}

function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'horae-nest-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

describe('HoraeModule', () => {
  it('runs the jobs each decorator declares, on the provider instance', async () => {
    @Injectable()
    class Chores {
      readonly runs: Record<string, number> = {};
      private count(what: string): void {
        this.runs[what] = (this.runs[what] ?? 0) + 1;
      }

      @Interval(50)
      poll() {
        this.count('poll');
      }

      @Cron('* * * * * *', { id: 'every-second' })
      tick() {
        this.count(`tick:${currentJob()?.jobId}`);
      }

      @Timeout(20)
      warmUp() {
        this.count('warmUp');
      }

      @ScheduledJob(new IntervalTrigger({ milliseconds: 60 }), { args: ['given'] })
      withArgs(word: string) {
        this.count(`withArgs:${word}`);
      }

      @ScheduledJob('interval', { milliseconds: 70, id: 'by-alias' })
      byAlias() {
        this.count('byAlias');
      }
    }
    @Module({
      imports: [HoraeModule.forRoot({ logger: silentLogger })],
      // A second token for the same instance: its jobs are still declared once.
      providers: [Chores, { provide: 'CHORES', useExisting: Chores }],
    })
    class AppModule {}

    const app = await boot(AppModule);
    const chores = app.get(Chores);
    await waitUntil(
      () =>
        ['poll', 'tick:every-second', 'warmUp', 'withArgs:given', 'byAlias'].every(
          (what) => (chores.runs[what] ?? 0) > 0,
        ),
      () => `every job to run, ran: ${JSON.stringify(chores.runs)}`,
    );
    const scheduler = app.get(Scheduler);
    expect(scheduler.state).toBe('running');
    const ids = (await scheduler.getJobs()).map((job) => job.id).sort();
    // The Timeout job has run and is gone; the others keep their ids.
    expect(ids).toEqual(['Chores.poll', 'Chores.withArgs', 'by-alias', 'every-second']);
    expect((await scheduler.getJob('Chores.poll'))?.name).toBe('Chores.poll');
    await app.close();
    expect(scheduler.state).toBe('stopped');
  });

  it('injects the scheduler by its class and by @InjectScheduler(), in controllers too', async () => {
    @Injectable()
    class ByClass {
      constructor(readonly scheduler: Scheduler) {}
    }
    @Controller('jobs')
    class JobsController {
      constructor(@InjectScheduler() private readonly scheduler: Scheduler) {}

      @Get()
      async list() {
        return (await this.scheduler.getJobs()).map((job) => job.id);
      }

      @Interval({ hours: 1, id: 'hourly' })
      hourly() {}
    }
    @Module({ controllers: [JobsController], providers: [ByClass] })
    class FeatureModule {}
    @Module({ imports: [HoraeModule.forRoot({ logger: silentLogger }), FeatureModule] })
    class AppModule {}

    const app = await boot(AppModule);
    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/jobs`);
    expect(await response.json()).toEqual(['hourly']);
    expect(app.get(ByClass).scheduler).toBe(app.get(Scheduler));
  });

  it('forRootAsync makes its options from injected providers', async () => {
    const path = tempFile('jobs.sqlite');
    @Injectable()
    class Config {
      readonly storePath = path;
    }
    @Module({ providers: [Config], exports: [Config] })
    class ConfigModule {}
    @Injectable()
    class Reports {
      @Cron('0 9 * * mon', { timezone: 'Asia/Shanghai' })
      weekly() {}
    }
    @Module({
      imports: [
        HoraeModule.forRootAsync({
          imports: [ConfigModule],
          inject: [Config],
          useFactory: (config: Config): HoraeModuleOptions => ({
            jobStores: { default: new SqliteJobStore({ path: config.storePath }) },
            logger: silentLogger,
          }),
        }),
      ],
      providers: [Reports],
    })
    class AppModule {}

    const app = await boot(AppModule);
    const job = await app.get(Scheduler).getJob('Reports.weekly');
    expect(job?.nextRunTime?.toISOString()).toMatch(/T01:00:00\.000Z$/); // 09:00 in Shanghai
    expect(new Date(job!.nextRunTime!).getUTCDay()).toBe(1);
  });

  it('keeps decorated jobs in a persistent store by task name, once per id across boots', async () => {
    const path = tempFile('jobs.sqlite');
    let runs = 0;
    @Injectable()
    class Counter {
      @Interval(40)
      count() {
        runs++;
      }
    }
    const appModule = () => {
      @Module({
        imports: [
          HoraeModule.forRoot({ jobStores: { default: new SqliteJobStore({ path }) }, logger: silentLogger }),
        ],
        providers: [Counter],
      })
      class AppModule {}
      return AppModule;
    };
    const first = await boot(appModule());
    await waitUntil(() => runs > 0, 'a run in the first boot');
    await first.close();
    const before = runs;
    const second = await boot(appModule());
    await waitUntil(() => runs > before, 'a run in the second boot');
    const jobs = await second.get(Scheduler).getJobs();
    expect(jobs.map((job) => job.id)).toEqual(['Counter.count']);
    const runRecords = await second.get(Scheduler).getRuns('Counter.count');
    expect(runRecords.length).toBeGreaterThan(0);
    expect(runRecords.every((record) => record.outcome === 'success')).toBe(true);
  });

  it('app.close() waits for a running job, and its run record is written before close resolves', async () => {
    const path = tempFile('jobs.sqlite');
    const events: string[] = [];
    @Injectable()
    class Slow {
      @Timeout(0, { id: 'slow' })
      async work() {
        events.push('started');
        // The job's own work: long enough for app.close() to be called while it runs.
        await new Promise((done) => setTimeout(done, 400));
        events.push('finished');
      }
    }
    @Module({
      imports: [
        HoraeModule.forRoot({ jobStores: { default: new SqliteJobStore({ path }) }, logger: silentLogger }),
      ],
      providers: [Slow],
    })
    class AppModule {}

    const app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
    await waitUntil(() => events.includes('started'), 'the job to start');
    await app.close();
    events.push('closed');
    expect(events).toEqual(['started', 'finished', 'closed']);

    const reader = new Scheduler({
      jobStores: { default: new SqliteJobStore({ path }) },
      logger: silentLogger,
    });
    await reader.start({ paused: true });
    cleanup.push(() => reader.shutdown());
    const runs = await reader.getRuns('slow');
    expect(runs.map((run) => run.outcome)).toEqual(['success']);
  });

  it('uses a scheduler you made, and leaves it stopped with autoStart: false', async () => {
    const scheduler = new Scheduler({ logger: silentLogger });
    @Injectable()
    class Job {
      @Interval({ minutes: 1 })
      run() {}
    }
    @Module({ imports: [HoraeModule.forRoot({ scheduler, autoStart: false })], providers: [Job] })
    class AppModule {}

    const app = await boot(AppModule);
    expect(app.get(Scheduler)).toBe(scheduler);
    expect(scheduler.state).toBe('stopped');
    await scheduler.start();
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['Job.run']);
    await app.close();
    expect(scheduler.state).toBe('stopped');
  });

  it("mounts the dashboard under a prefix, behind the app's own authentication", async () => {
    @Injectable()
    class Reports {
      @Cron('30 10 * * *', { id: 'report' })
      send() {}
    }
    @Module({ imports: [HoraeModule.forRoot({ logger: silentLogger })], providers: [Reports] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    cleanup.push(() => app.close());
    // The app's own authentication, in front of the admin handler; the handler checks its result.
    const requireLogin = (
      req: { headers: Record<string, unknown>; user?: string },
      res: never,
      next: () => void,
    ) => {
      if (req.headers.authorization !== 'Bearer ops') {
        (res as { status(code: number): { end(): void } }).status(401).end();
        return;
      }
      req.user = 'ops';
      next();
    };
    const admin = adminMiddleware(app.get(Scheduler), {
      basePath: '/ops/horae',
      authorize: (_request, req) => (req as { user?: string } | undefined)?.user === 'ops',
    });
    cleanup.push(() => admin.close());
    app.use('/ops/horae', requireLogin, admin);
    await app.listen(0, '127.0.0.1');
    const origin = await app.getUrl();

    expect((await fetch(`${origin}/ops/horae/api/jobs`)).status).toBe(401);
    const listed = await fetch(`${origin}/ops/horae/api/jobs`, { headers: { authorization: 'Bearer ops' } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { jobs: { id: string }[] }).jobs.map((job) => job.id)).toEqual([
      'report',
    ]);
    const page = await fetch(`${origin}/ops/horae/`, { headers: { authorization: 'Bearer ops' } });
    const html = await page.text();
    expect(html).toContain('href="/ops/horae/');

    // An action with a JSON body, past Nest's own body parser.
    const auth = { authorization: 'Bearer ops' };
    const { token } = (await (
      await fetch(`${origin}/ops/horae/api/csrf-token`, { headers: auth })
    ).json()) as {
      token: string;
    };
    const changed = await fetch(`${origin}/ops/horae/api/jobs/report`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json', 'x-horae-csrf': token },
      body: JSON.stringify({ maxInstances: 3 }),
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
    expect(await app.get(Scheduler).getJob('report')).toMatchObject({ maxInstances: 3 });
  });

  it('with isGlobal: false, only the modules that import it get the scheduler', async () => {
    @Injectable()
    class Needs {
      constructor(@InjectScheduler() readonly scheduler: Scheduler) {}
    }
    @Module({ providers: [Needs] })
    class Elsewhere {}
    @Module({ imports: [HoraeModule.forRoot({ logger: silentLogger, isGlobal: false }), Elsewhere] })
    class AppModule {}
    await expect(NestFactory.create(AppModule, { logger: false, abortOnError: false })).rejects.toThrow(
      /resolve dependencies of the Needs/,
    );

    @Module({ imports: [HoraeModule.forRoot({ logger: silentLogger, isGlobal: false })], providers: [Needs] })
    class Importing {}
    const ok = await boot(Importing);
    expect(ok.get(Needs).scheduler).toBe(ok.get(Scheduler));
  });

  it('refuses bad declarations with typed errors naming them', async () => {
    expect(() => Cron('61 * * * *')).toThrow(InvalidTriggerError);
    expect(() => Cron('61 * * * *')).toThrow(/minute/);
    expect(() => Interval(-5)).toThrow(InvalidArgumentError);
    expect(() => Timeout(Number.NaN)).toThrow(/@Timeout expects/);
    expect(() => Interval(10, { replaceExisting: true } as never)).toThrow(/replaceExisting/);
    expect(() => HoraeModule.forRoot({ scheduler: new Scheduler(), timezone: 'UTC' })).toThrow(
      /given a scheduler and scheduler options \(timezone\)/,
    );
    expect(() => HoraeModule.forRoot({ autoStart: 'yes' as never })).toThrow(/"autoStart" must be a boolean/);

    @Injectable()
    class Twice {
      @Interval(1000)
      @Cron('0 * * * *')
      both() {}
    }
    @Module({ imports: [HoraeModule.forRoot({ logger: silentLogger })], providers: [Twice] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    await expect(app.init()).rejects.toThrow(/Twice.both has 2 scheduling decorators: give each an id/);
    await app.close();
  });
});
