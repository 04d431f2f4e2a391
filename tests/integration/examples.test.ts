// Runs every example in examples/ as a user would (`npx tsx examples/<file>.ts`, here `node --import
// tsx`, which skips npx's start-up), two at a time, and checks that each exits 0 and printed what
// shows it did its work. The examples import 'horae' from dist/, so `npm run build` comes first
// (`npm test` does it). The PostgreSQL, MySQL and Redis examples run against their servers when
// HORAE_POSTGRES_URL, HORAE_MYSQL_URL, HORAE_REDIS_URL are set, and must say they skipped otherwise.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, silentLogger } from '../../src/index.js';
import { SqliteJobStore } from '../../src/stores/sqlite/index.js';
import { sleepUntil } from '../helpers/processes.js';
import { serviceUrl, type Service } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const EXAMPLE_TIMEOUT_MS = 30_000;
const PARALLEL = 2;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let active = 0;
const waiting: (() => void)[] = [];

/** Runs `examples/<file>` in a child process, at most PARALLEL at once; kills it after 30 s. */
async function runExample(file: string, env: Record<string, string> = {}): Promise<Run> {
  while (active >= PARALLEL) await new Promise<void>((wake) => waiting.push(wake));
  active++;
  try {
    return await new Promise<Run>((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join('examples', file)], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const timer = setTimeout(() => {
        stderr += `\n[test] killed after ${EXAMPLE_TIMEOUT_MS} ms`;
        child.kill('SIGKILL');
      }, EXAMPLE_TIMEOUT_MS);
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
  } finally {
    active--;
    waiting.shift()?.();
  }
}

/** Runs an example and expects exit code 0 (showing its output when not). */
async function runOk(file: string, env?: Record<string, string>): Promise<string> {
  const run = await runExample(file, env);
  expect(
    run.code,
    `${file} exited with ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
  ).toBe(0);
  return run.stdout;
}

/**
 * What each web-framework example shows: declared jobs run, the dashboard refused without the
 * app's own authentication and served with it, and the close waiting for a running job.
 */
function webIntegration(out: string, closed: string, credentials: string): void {
  expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+; scheduler running/);
  expect(out).toMatch(/GET \/jobs -> \["cleanup: interval\[0:00:00.200\]","report: cron\[/);
  expect(out.match(/^cleanup ran$/gm)?.length).toBeGreaterThanOrEqual(2);
  expect(out).toContain(`GET /admin without ${credentials} -> 401`);
  expect(out).toContain(`GET /admin with ${credentials} -> 200, lists report: true`);
  expect(out).toMatch(new RegExp(`report started\nreport finished\n${closed}; scheduler stopped$`, 'm'));
}

/** Each example, and what its output must show. */
const EXAMPLES: Record<string, (stdout: string) => void | Promise<void>> = {
  'trigger-date.ts': (out) => {
    expect(out).toMatch(/my_job: 测试任务 \(a Date\)/);
    expect(out).toMatch(/my_job: 测试任务 \(text '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d'\)/);
    expect(out).toMatch(/my_job: 立即执行/);
    expect(out).toMatch(/the job 'tomorrow' will run at \d{4}-\d\d-\d\d 00:00:00/);
    expect(out).toMatch(/missed: job april-2019 was due at 2019-04-15 00:00:00/);
    expect(out).toMatch(/done: 3 runs/);
  },
  'trigger-interval.ts': (out) => {
    expect(out).toMatch(/removed job \S+ through its handle/);
    expect(out).toMatch(/removed my_job_id by id; jobs left: time_task/);
    expect(out).toMatch(/Time_task run 3/);
    expect(out).toMatch(/scheduler shut down after 3 runs of Time_task/);
  },
  'trigger-cron.ts': (out) => {
    expect(out).toMatch(/daily at 10:30 +-> (\d{4}-\d\d-\d\d 10:30:00 \| ){2}\d{4}-\d\d-\d\d 10:30:00/);
    expect(out).toMatch(/mon-fri 9:00, 18:00 +-> 2030-01-01 09:00:00 \| 2030-01-01 18:00:00/);
    expect(out).toMatch(/morningReport \(decorator\) next runs at \d{4}-\d\d-\d\d 08:59:00/);
    expect(out.match(/every-2-seconds ran$/gm)).toHaveLength(2);
  },
  'trigger-calendarinterval.ts': (out) => {
    expect(out).toMatch(/monthly on the 31st +-> 2026-01-31 09:00:00 \| 2026-03-31 09:00:00 \| 2026-05-31/);
    expect(out).toMatch(
      /daily at 02:30 \(DST\) +-> 2026-03-28 02:30:00 \| 2026-03-29 03:30:00 \| 2026-03-30 02:30:00/,
    );
    expect(out).toMatch(/fortnightly \(trigger: calendarinterval\[weeks=2/);
  },
  'trigger-and-or.ts': (out) => {
    expect(out).toMatch(/and: weekday 09:00 in days 1-7 -> (\d{4}-\d\d-0[1-7] 09:00:00( \| )?){4}/);
    expect(out).toMatch(/and of 09:00 and 10:00 -> ERR_INVALID_TRIGGER/);
    expect(out).toMatch(/or-job ran \(run 3\)/);
  },
  'job-operations.ts': (out) => {
    expect(out).toMatch(/added job_1, pending: true/);
    expect(out).toMatch(/after 0.7 s paused, job_1 ran 0 times/);
    expect(out).toMatch(/while paused for 1.2 s job_1 ran 0 times/);
    expect(out).toMatch(/scheduler.pauseJob\('job_1'\): paused = true/);
    expect(out).toMatch(/scheduler.resumeJob\('job_1'\): paused = false/);
    expect(out).toMatch(/getJob\('job_1'\): func\(2\), trigger interval\[0:00:00.300\]/);
    expect(out).toMatch(/removed: getJob\('job_1'\) = null, jobs left: 0/);
    expect(out).toMatch(/job_1 ran [3-9] times; state: stopped/);
  },
  'add-job-options.ts': (out) => {
    expect(out).toMatch(/id 'mail', name 'daily mail', args \[\{"to":"me@example.com"\}\]/);
    expect(out).toMatch(/same id again: ERR_CONFLICTING_ID/);
    expect(out).toMatch(/nextRunTime: null -> added paused \(next run time null\)/);
    expect(out).toMatch(/returned \{"label":"by reference","pid":\d+,"threadId":0\}/);
    expect(out).toMatch(/maxInstances: 1 -> [1-9]\d* runs skipped/);
    expect(out).toMatch(/coalesce: false -> [2-9] catch-up runs; coalesce: true -> 1 catch-up run/);
    expect(out).toMatch(/misfireGraceTime: 0.1 -> [1-9] runs reported missed/);
  },
  'background-scheduler.ts': (out) => {
    expect(out).toMatch(/Fetching data at /);
    expect(out).toMatch(/worker processed batch 1/);
    expect(out).toMatch(/main program still working \(step 3\)/);
  },
  'custom-trigger.ts': (out) => {
    expect(out).toMatch(/back from JSON: list\[3 times\]/);
    expect(out.match(/list-job ran at/g)).toHaveLength(3);
    expect(out).toMatch(/getJob\('list-job'\) = null/);
  },
  'configuration.ts': (out) => {
    expect(out).toMatch(/Jobstore memory:\n +in-memory/);
    expect(out).toMatch(/job defaults applied: coalesce=false, maxInstances=3/);
    expect(out).toMatch(/memory\/default ran/);
    const [, child, parent] = /sqlite\/processpool ran in process (\d+) \(this is (\d+)\)/.exec(out) ?? [];
    expect(child).toBeDefined();
    expect(child).not.toBe(parent);
  },
  'scheduler-wrapper.ts': (out) => {
    expect(out).toMatch(/^1\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n.*next after this run: .*:00\)\ncron\[/m);
    expect(out).toMatch(/server got \/\?sid=1&version=\d{4}-\d\d-\d\d/);
    expect(out).toMatch(/_get_url\(1\): HTTP 200/);
    expect(out).toMatch(/job 2 \(\*\/2 \* \* \* \*\) next runs at \d{4}-\d\d-\d\d \d\d:\d[02468]:00/);
    expect(out).toMatch(/after remove_job: 0 jobs/);
  },
  'store-memory.ts': (out) => {
    expect(out).toMatch(/ran in the 'scratch' store \(2 times\)/);
    expect(out).toMatch(/jobs in 'scratch' only: in-scratch/);
    expect(out).toMatch(/after a restart the memory store has 0 jobs/);
  },
  'store-sqlite.ts': (out) => {
    expect(out).toMatch(/a closure is refused: ERR_SERIALIZATION/);
    expect(out).toMatch(/after the restart: greet \(trigger: interval\[0:00:01\], next run at/);
    expect(out).toMatch(/run history kept in the file: [1-9] run\(s\), last outcome success/);
    expect(out).toMatch(/greet ran again in the second scheduler/);
  },
  'executor-async.ts': (out) => {
    expect(out).toMatch(/at most 2 jobs ran at once/);
    expect(out.match(/end {3}page-/g)).toHaveLength(5);
  },
  'executor-thread.ts': (out) => {
    expect(out).toMatch(/countPrimes\(3000000\) = 216816, on thread [1-9]/);
    expect(out).toMatch(/countPrimes\(2000000\) = 148933, on thread [1-9]/);
    expect(out).toMatch(/a closure on the thread executor is refused: ERR_INVALID_ARGUMENT/);
    expect(out).toMatch(/heartbeat ticked [1-9]\d* times while the threads worked/);
  },
  'executor-process.ts': (out) => {
    const [, child, parent] = /whereAmI ran in process (\d+), the scheduler is process (\d+)/.exec(out) ?? [];
    expect(child).toBeDefined();
    expect(child).not.toBe(parent);
    expect(out).toMatch(/countPrimes = 78498 ran in process/);
    expect(out).toMatch(/crash failed: WorkerCrashedError/);
    expect(out).toMatch(/after the crash ran in process \d+/);
    expect(out).toMatch(/the scheduler carried on: state running/);
  },
  'admin-dashboard.ts': (out) => {
    expect(out).toMatch(/dashboard at http:\/\/127\.0\.0\.1:\d+\/admin\//);
    expect(out).toMatch(/job report: .*10:30.*, next run \d{4}-/);
    expect(out).toMatch(/ran report now: success \(manual\)/);
    expect(out).toMatch(/paused cleanup: paused=true/);
    expect(out).toMatch(/closed/);
  },
  'web-app.ts': (out) => {
    expect(out).toMatch(/GET \/jobs -> \[\{"id":"poll"/);
    expect(out).toMatch(/POST \/jobs -> 201 \{"id":"greeting"/);
    expect(out).toMatch(/hello from a job added over HTTP/);
    expect(out).toMatch(/polled the third-party API: \d+ new orders/);
    expect(out).toMatch(/DELETE \/jobs\/greeting -> 204/);
    expect(out).toMatch(/scheduler state after close: stopped/);
  },
  'web-fastify.ts': (out) => webIntegration(out, 'app closed', 'a session'),
  'web-express.ts': (out) => {
    webIntegration(out, 'server closed', 'a session');
    expect(out).toMatch(/POST \/admin\/api\/jobs\/cleanup\/pause -> 200: paused cleanup = true/);
  },
  'web-hono.ts': (out) => webIntegration(out, 'server closed', 'credentials'),
  'nest-app.ts': (out) => {
    expect(out).toMatch(/^cache warmed once, at boot$/m);
    expect(out).toMatch(/heartbeat ran [3-9] times/);
    expect(out).toMatch(/GET \/jobs -> \[.*"ReportService\.daily: cron\[crontab='30 10 \* \* mon-fri'\]"/);
    expect(out).toMatch(/GET \/admin\/api\/jobs without a session -> 401/);
    expect(out).toMatch(/GET \/admin\/api\/jobs with a session -> 200 \(3 jobs\)/);
    // app.close() waited for the export that was running.
    expect(out).toMatch(/export started\nexport finished\napp closed; scheduler stopped/);
  },
  'weather-email.ts': (out) => {
    const [, high, low] = /weather page: 北京 晴转多云 最高 (\d+)℃ 最低 (\d+)℃/.exec(out) ?? [];
    expect(high).toBeDefined();
    // The email carries what the scraper read off the page.
    expect(out).toContain(`今天北京晴转多云，最高 ${high}℃，最低 ${low}℃，北风 3-4级。`);
    expect(out).toMatch(/---- email to me@example.com: 北京天气预报 \d{4}-\d\d-\d\d/);
    expect(out).toMatch(/saved to .*weather-\d+\.eml/);
    expect(out).toMatch(/next weather email at \d{4}-\d\d-\d\d 07:30:00/);
  },
};

/** The examples that need a database server, by the service that enables them. */
const SERVER_EXAMPLES: Record<string, { service: Service; env: string; label: string }> = {
  'store-postgres.ts': { service: 'postgres', env: 'HORAE_POSTGRES_URL', label: 'PostgreSQL' },
  'store-mysql.ts': { service: 'mysql', env: 'HORAE_MYSQL_URL', label: 'MySQL' },
  'store-redis.ts': { service: 'redis', env: 'HORAE_REDIS_URL', label: 'Redis' },
  'store-etcd.ts': { service: 'etcd', env: 'HORAE_ETCD_URL', label: 'etcd' },
};

/** Files in examples/ that are not examples to run by themselves. */
// electron/ is typechecked only: no Electron binary can be downloaded here to run it. nextjs/ is
// built and started by examples-nextjs.test.ts.
const NOT_EXAMPLES = ['shared-store-demo.ts', 'tasks.mjs', 'demo.mjs', 'README.md', 'electron', 'nextjs'];

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error("The examples import 'horae' from dist/: run `npm run build` first");
  }
});

describe.concurrent('examples', () => {
  it('covers every example file', () => {
    const files = readdirSync(join(root, 'examples')).filter((file) => !NOT_EXAMPLES.includes(file));
    expect(files.sort()).toEqual([...Object.keys(EXAMPLES), ...Object.keys(SERVER_EXAMPLES)].sort());
  });

  for (const [file, check] of Object.entries(EXAMPLES)) {
    it(file, async () => check(await runOk(file)), 60_000);
  }

  for (const [file, { service, env, label }] of Object.entries(SERVER_EXAMPLES)) {
    it(
      file,
      async () => {
        const url = serviceUrl(service);
        if (url === undefined) {
          const out = await runOk(file, { [env]: '' });
          expect(out).toMatch(
            new RegExp(`^skipped: set ${env} \\(e\\.g\\. \\S+\\) to run this example$`, 'm'),
          );
          return;
        }
        const out = await runOk(file, { [env]: url });
        expect(out).toMatch(new RegExp(`^${label}: [89]\\d* runs \\(A: \\d+, B: \\d+\\)$`, 'm'));
        expect(out).toMatch(new RegExp(`^${label}: every run happened once$`, 'm'));
        expect(out).toMatch(new RegExp(`^${label}: after both shut down, the store still has: tick `, 'm'));
      },
      60_000,
    );
  }
});

// The quickstart demo (`npm run demo`) is run the way a user meets it: started, stopped with Ctrl-C,
// and started again on the same store, where it must show what survived rather than start over.
const DEMO_WAIT_MS = 45_000; // each awaited line comes within about 4 s here
const EVENT_LINE = /^\d\d:\d\d:\d\d {2}(\S+) +/gm;

interface DemoRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first match of `pattern` in standard output; rejects after DEMO_WAIT_MS. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function startDemo(args: string[]): DemoRun {
  const child = spawn(process.execPath, [join('examples', 'demo.mjs'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  child.stdout?.on('data', (chunk: Buffer) => ((stdout += chunk.toString('utf8')), changed()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) =>
    child.on('close', (code) => {
      changed();
      done(code);
    }),
  );
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((done, fail) => {
      const check = () => {
        const found = pattern.exec(stdout);
        if (found === null && child.exitCode === null) return;
        listeners.delete(check);
        clearTimeout(timer);
        if (found !== null) done(found);
        else fail(new Error(`the demo exited without printing ${pattern}:\n${stdout}\n${stderr}`));
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        fail(new Error(`no ${pattern} within ${DEMO_WAIT_MS} ms:\n${stdout}\n${stderr}`));
      }, DEMO_WAIT_MS);
      listeners.add(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, exited };
}

/** Stops the demo as Ctrl-C does and expects a clean exit. */
async function interrupt(demo: DemoRun): Promise<string> {
  demo.child.kill('SIGINT');
  expect(await demo.exited, demo.stdout() + demo.stderr()).toBe(0);
  expect(demo.stdout()).toMatch(/^\d\d:\d\d:\d\d {2}stopped cleanly; the jobs wait in /m);
  return demo.stdout();
}

/** The next run times the demo left in its store, read as another program would. */
async function nextRunTimes(store: string): Promise<number[]> {
  const scheduler = new Scheduler({
    jobStores: { default: new SqliteJobStore({ path: store }) },
    logger: silentLogger,
  });
  await scheduler.start({ paused: true });
  const jobs = await scheduler.getJobs();
  await scheduler.shutdown();
  expect(jobs.map((job) => job.id).sort()).toEqual(['counter', 'flaky', 'weather']);
  return jobs.map((job) => job.nextRunTime?.getTime() ?? 0);
}

function expectNoStackTrace(demo: DemoRun): void {
  expect(demo.stdout() + demo.stderr()).not.toMatch(/^ {4}at /m);
}

describe('demo.mjs', () => {
  it('picks up its jobs after a restart, tells what they missed, and its counter goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'horae-demo-'));
    const store = join(dir, 'demo.sqlite');
    try {
      const first = startDemo(['--store', store]);
      await first.waitFor(/^\d\d:\d\d:\d\d {2}hello {4}hello, once$/m);
      // The deliberate failure: one line with the job's name and the error's message.
      await first.waitFor(
        /^\d\d:\d\d:\d\d {2}flaky {4}failed: failed on purpose; the scheduler carries on\n/m,
      );
      await first.waitFor(/count 2$/m);
      const firstOut = await interrupt(first);
      expect(firstOut).toMatch(/^A new store: adding 4 jobs:$/m);
      expectNoStackTrace(first);
      const lastCount = Math.max(...[...firstOut.matchAll(/count (\d+)$/gm)].map((m) => Number(m[1])));

      // Stopped until the counter and the weather job have each missed a run by more than 1 s.
      await sleepUntil(Math.max(...(await nextRunTimes(store))) + 1500);

      const second = startDemo(['--store', store]);
      await second.waitFor(new RegExp(`^\\S+ {2}counter {2}count ${lastCount + 1} \\(catch-up`, 'm'));
      await second.waitFor(new RegExp(`count ${lastCount + 2}$`, 'm'));
      const out = await interrupt(second);
      expectNoStackTrace(second);
      expect(out).not.toMatch(/A new store/);
      expect(out).not.toMatch(/count 1$/m);
      const banner = out.search(/^Horae demo: a scheduler on the SQLite store /m);
      const found = out.search(/^Found 3 jobs from the last run \(its last job ran at \d\d:\d\d:\d\d, /m);
      const counter = out.search(
        new RegExp(`^ {2}counter {2}every 2 s +was due .*, count continues at ${lastCount + 1}$`, 'm'),
      );
      const hello = out.search(/^ {2}hello {4}once, 3 s after first start +ran at \d\d:\d\d:\d\d, done$/m);
      const counterMissed = out.search(
        /^ {2}counter missed \d+ runs? while the demo was stopped; (coalesced into one run now|it runs now, late)$/m,
      );
      const weatherMissed = out.search(/^ {2}weather missed \d+ runs? while the demo was stopped[;,] /m);
      const firstEvent = out.search(EVENT_LINE);
      expect([banner, found, counter, hello, counterMissed, weatherMissed, firstEvent]).not.toContain(-1);
      expect(banner).toBe(0);
      expect(banner).toBeLessThan(found);
      expect(found).toBeLessThan(counter);
      expect(counterMissed).toBeGreaterThan(hello);
      expect(weatherMissed).toBeGreaterThan(hello);
      expect(Math.max(counterMissed, weatherMissed)).toBeLessThan(firstEvent);
      // Every line about a job names it as the listing does.
      const names = [...firstOut.matchAll(EVENT_LINE), ...out.matchAll(EVENT_LINE)].map((m) => m[1] ?? '');
      const known = ['counter', 'weather', 'flaky', 'hello', 'stopped'];
      expect(names.filter((name) => !known.includes(name))).toEqual([]);

      const fresh = startDemo(['--store', store, '--fresh', '--seconds', '1']);
      expect(await fresh.exited, fresh.stdout() + fresh.stderr()).toBe(0);
      expect(fresh.stdout()).toMatch(/^--fresh: deleted .*demo\.sqlite and its run history$/m);
      expect(fresh.stdout()).toMatch(/^A new store: adding 4 jobs:\n {2}counter {2}every 2 s +next run /m);
      expect(fresh.stdout()).toMatch(/stopped cleanly/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
