// The quickstart demo, `npm run demo`: a scheduler on the embedded SQLite store, printing what its
// jobs do as it happens. Stop it (Ctrl-C) and run it again: it finds its jobs in the store where it
// left them, says what happened to them while it was stopped, and its counter carries on.
//
//   node examples/demo.mjs [--store <file>] [--seconds <n>] [--fresh] [--build]
//
// --store    the SQLite file (default: horae-demo.sqlite in the working directory)
// --seconds  stop after n seconds instead of at Ctrl-C
// --fresh    delete the store first and start over
// --build    build Horae (dist/) first when src/ is newer; `npm run demo` passes it
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = 'usage: node examples/demo.mjs [--store <file>] [--seconds <n>] [--fresh] [--build]';
const root = fileURLToPath(new URL('..', import.meta.url));
const flags = readFlags();
if (flags.build) build();
if (!existsSync(join(root, 'dist', 'index.js')))
  fail('dist/ is missing: run `npm run demo`, which builds it');
// Imported only now: the build above may have just written them.
const { Scheduler, MAX_CATCH_UP_RUNS } = await import('../dist/index.js');
const { SqliteJobStore } = await import('../dist/stores/sqlite/index.js');

const pad = (n) => String(n).padStart(2, '0');
const clock = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
const sameDay = (a, b) => a.toDateString() === b.toDateString();
const when = (d) =>
  sameDay(d, new Date())
    ? clock(d)
    : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(d)}`;
const say = (name, text) => console.log(`${clock(new Date())}  ${name.padEnd(7)}  ${text}`);

// Each job's id, name and task name are one word, so the same name shows everywhere.
let count = 0;
const JOBS = [
  {
    name: 'counter',
    schedule: 'every 2 s',
    task: () => ++count,
    show: (n) => `count ${n}`,
    trigger: 'interval',
    options: () => ({ seconds: 2, misfireGraceTime: null }),
  },
  {
    name: 'weather',
    schedule: 'cron: every 5th second',
    task: (city) => `sunny in ${city}`,
    trigger: 'cron',
    options: () => ({ second: '*/5', args: ['Beijing'] }),
  },
  {
    name: 'flaky',
    schedule: 'every 4 s, fails on purpose',
    task: () => {
      throw new Error('failed on purpose; the scheduler carries on');
    },
    trigger: 'interval',
    options: () => ({ seconds: 4 }),
  },
  {
    name: 'hello',
    schedule: 'once, 3 s after first start',
    task: () => 'hello, once',
    trigger: 'date',
    options: () => ({ runDate: new Date(Date.now() + 3000), misfireGraceTime: null }),
  },
];
const byName = new Map(JOBS.map((job) => [job.name, job]));

console.log(`Horae demo: a scheduler on the SQLite store ${flags.store} (times are local).`);
console.log('Ctrl-C stops it; run it again and it carries on where it stopped (--fresh starts over).\n');
if (flags.fresh && existsSync(flags.store)) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(flags.store + suffix, { force: true });
  console.log(`--fresh: deleted ${flags.store} and its run history`);
}

const scheduler = new Scheduler({
  jobStores: { default: new SqliteJobStore({ path: flags.store }) },
  logger: { debug() {}, info() {}, warn: logLine, error: logLine },
});
for (const job of JOBS) await scheduler.registerTask(job.name, job.task);
const started = new Date();
// Paused: nothing may run before the demo has said what it found in the store.
await scheduler.start({ paused: true });
await report();
listen();
scheduler.resume();

let timer = null;
if (flags.seconds !== null) timer = setTimeout(() => void stop(''), flags.seconds * 1000);
process.once('SIGINT', () => void stop('\n'));
process.once('SIGTERM', () => void stop('\n'));

/** Says which jobs survived the last run (adding the missing ones) and what they missed meanwhile. */
async function report() {
  const stored = new Map((await scheduler.getJobs()).map((job) => [job.id, job]));
  const history = new Map();
  for (const { name } of JOBS) history.set(name, await scheduler.getRuns(name));
  const lastCount = history.get('counter').find((run) => run.outcome === 'success')?.returnValue;
  if (Number.isInteger(lastCount)) count = lastCount;

  if (stored.size > 0) {
    const finished = [...history.values()].flat().map((run) => run.finishedAt ?? run.scheduledRunTime);
    const last = new Date(Math.max(...finished.map((d) => d.getTime())));
    const ago =
      finished.length > 0 ? ` (its last job ran at ${when(last)}, ${seconds(started - last)} ago)` : '';
    console.log(`Found ${stored.size} jobs from the last run${ago}:`);
  } else {
    console.log(`A new store: adding ${JOBS.length} jobs:`);
  }
  for (const def of JOBS) {
    let job = stored.get(def.name);
    const ran = history.get(def.name).find((run) => run.startedAt !== null);
    if (job === undefined && def.trigger === 'date' && ran !== undefined) {
      console.log(`  ${def.name.padEnd(7)}  ${def.schedule.padEnd(30)}ran at ${when(ran.startedAt)}, done`);
      continue;
    }
    const added = job === undefined;
    if (added)
      job = await scheduler.addJob(def.name, def.trigger, { ...def.options(), id: def.name, name: def.name });
    const next = job.nextRunTime;
    const status =
      next === null ? 'paused' : next <= started ? `was due ${when(next)}` : `next run ${when(next)}`;
    let extra = def.name === 'counter' && !added ? `, count continues at ${count + 1}` : '';
    if (added && stored.size > 0) extra = ' (added again)';
    console.log(`  ${def.name.padEnd(7)}  ${def.schedule.padEnd(30)}${status}${extra}`);
  }
  for (const def of JOBS) {
    const job = stored.get(def.name);
    const line = job === undefined ? null : missedWhileStopped(job);
    if (line !== null) console.log(line);
  }
  console.log('');
}

/** A sentence on the runs a job missed while the demo was stopped, or `null` when none. */
function missedWhileStopped(job) {
  let due = job.nextRunTime;
  if (due === null || due > started) return null;
  let runs = 0;
  let latest = due;
  for (; due !== null && due <= started && runs < MAX_CATCH_UP_RUNS; runs++) {
    latest = due;
    due = job.trigger.getNextFireTime(due, started);
  }
  const many = runs === MAX_CATCH_UP_RUNS ? `over ${runs} runs` : runs === 1 ? '1 run' : `${runs} runs`;
  const missed = `  ${job.name} missed ${many} while the demo was stopped`;
  const grace = job.misfireGraceTime;
  if (!job.coalesce)
    return `${missed}; those less than ${grace ?? '∞'} s late run now, the others are skipped`;
  const merged = runs === 1 ? '' : '; coalesced into one';
  if (grace !== null && started - latest > grace * 1000) {
    return `${missed}${merged}, over ${grace} s late (its misfireGraceTime), so skipped and reported missed`;
  }
  return runs === 1 ? `${missed}; it runs now, late` : `${missed}${merged} run now`;
}

function listen() {
  scheduler.on('job_executed', (event) => {
    const show = byName.get(event.jobId)?.show ?? String;
    const late =
      event.scheduledRunTime < started ? ` (catch-up, was due at ${when(event.scheduledRunTime)})` : '';
    say(event.jobId, `${show(event.retval)}${late}`);
  });
  scheduler.on('job_error', (event) =>
    say(event.jobId, `failed: ${event.exception?.message ?? event.exception}`),
  );
  scheduler.on('job_missed', (event) =>
    say(event.jobId, `missed its run due at ${when(event.scheduledRunTime)}`),
  );
}

// Job news is printed by the listeners above, in one line each; anything else the scheduler warns
// about (a store problem, say) gets one line too, without a stack trace.
function logLine(message, ...details) {
  if (/\bjob "[^"]*" \(id /i.test(message)) return;
  const why = details.map((detail) => (detail instanceof Error ? detail.message : String(detail)));
  console.error(`[horae] ${[message, ...why].join(': ')}`);
}

async function stop(prefix) {
  if (scheduler.state === 'stopped') return;
  clearTimeout(timer);
  await scheduler.shutdown();
  console.log(
    `${prefix}${clock(new Date())}  stopped cleanly; the jobs wait in ${flags.store}: run the demo again`,
  );
}

function seconds(ms) {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

function readFlags() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        store: { type: 'string', default: 'horae-demo.sqlite' },
        seconds: { type: 'string' },
        fresh: { type: 'boolean', default: false },
        build: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
  const secs = values.seconds === undefined ? null : Number(values.seconds);
  if (secs !== null && !(secs > 0))
    fail(`--seconds takes a number of seconds above 0, not '${values.seconds}'\n${USAGE}`);
  return { ...values, seconds: secs };
}

/** Builds dist/ with tsc when a source is newer than it, saying so, as the build takes a while. */
function build() {
  const output = join(root, 'dist', 'index.js');
  const built = existsSync(output) ? statSync(output).mtimeMs : 0;
  const sources = ['tsconfig.json', 'tsconfig.build.json', ...sourceFiles('src')];
  if (sources.every((file) => statSync(join(root, file)).mtimeMs < built)) return;
  console.log('building Horae (tsc -p tsconfig.build.json) ...');
  const start = performance.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    // tsc writes its output even when it reports errors: make the next run build again.
    if (existsSync(output)) utimesSync(output, 0, 0);
    fail('the build failed (errors above)');
  }
  console.log(`built in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
}

function sourceFiles(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(2);
}
