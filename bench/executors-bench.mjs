// Executor benchmark: Horae's AsyncExecutor, ThreadExecutor and ProcessExecutor against APScheduler
// 3's ThreadPoolExecutor and ProcessPoolExecutor, and against a new worker thread per run (the model
// of bree, which is not installed here). Each measurement runs in a fresh process
// (bench/executors-child.mjs, bench/python/apscheduler_executors.py); figures are medians.
//
//   npm run build && node bench/executors-bench.mjs [--runs 3] [--dist dist] [--only dispatch|cpu] [--json out.json]
//
// dispatch: no-op jobs, all submitted at once; runs per second from the first submission to the
//           last EVENT_JOB_EXECUTED (dispatch overhead per run = 1 / that).
// cpu:      40 CPU-bound jobs of about 50 ms each on 1 and then 2 workers; jobs per second and the
//           speed-up of two workers over one (median of each round's ratio). Each side's job is sized
//           to take about 50 ms alone in its own language, and that time (`job ms`) is shown.
// Each run also reports how many cores' worth of CPU the rest of the machine used meanwhile
// (from /proc), since on a shared machine that, not the executor, can cap the speed-up.
// Never part of the tests.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const PYTHON = '/usr/bin/python3';
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? args[index + 1] : fallback;
};
const repeats = Number(option('runs', '3'));
const dist = join(root, option('dist', 'dist'));
const only = option('only', null);
const jsonOut = option('json', null);

const JS_WORK = 4_000_000; // ≈ 50 ms of `burn` in Node on the reference machine
const PY_WORK = 700_000; // ≈ 50 ms of `burn` in CPython 3.11
const CPU_JOBS = 40;

const horae = (executor, scenario, workers, runs, label) => ({
  label,
  scenario,
  workers,
  command: [
    process.execPath,
    join(here, 'executors-child.mjs'),
    JSON.stringify({ executor, scenario, workers, runs, work: JS_WORK, dist }),
  ],
});
const aps = (kind, scenario, workers, runs, label) => ({
  label,
  scenario,
  workers,
  command: [
    PYTHON,
    join(here, 'python', 'apscheduler_executors.py'),
    scenario,
    kind,
    String(workers),
    String(runs),
    String(PY_WORK),
  ],
});

const CASES = [
  horae('async', 'dispatch', 10, 100_000, 'Horae AsyncExecutor (maxConcurrency 10)'),
  horae('thread', 'dispatch', 2, 50_000, 'Horae ThreadExecutor'),
  horae('thread', 'dispatch', 1, 50_000, 'Horae ThreadExecutor'),
  horae('process', 'dispatch', 2, 20_000, 'Horae ProcessExecutor'),
  horae('spawn-per-run', 'dispatch', 2, 200, 'new Worker per run (bree model)'),
  aps('thread', 'dispatch', 10, 20_000, 'APScheduler ThreadPoolExecutor'),
  aps('thread', 'dispatch', 2, 20_000, 'APScheduler ThreadPoolExecutor'),
  aps('process', 'dispatch', 2, 10_000, 'APScheduler ProcessPoolExecutor'),
  ...[1, 2].flatMap((workers) => [
    horae('thread', 'cpu', workers, CPU_JOBS, 'Horae ThreadExecutor'),
    horae('process', 'cpu', workers, CPU_JOBS, 'Horae ProcessExecutor'),
    horae('spawn-per-run', 'cpu', workers, CPU_JOBS, 'new Worker per run (bree model)'),
    aps('thread', 'cpu', workers, CPU_JOBS, 'APScheduler ThreadPoolExecutor'),
    aps('process', 'cpu', workers, CPU_JOBS, 'APScheduler ProcessPoolExecutor'),
  ]),
].filter((entry) => only === null || entry.scenario === only);

function measure({ command }) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      const line = out.split('\n').find((text) => text.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`${command.join(' ')} exited ${code}:\n${out}`));
      else resolveRun(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fmt = (value, digits = 0) =>
  value === null || value === undefined
    ? '–'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// Interleaved: every case once per round, so a busy moment on a shared machine hits all of them.
const results = new Map(CASES.map((entry) => [entry, []]));
for (let round = 1; round <= repeats; round++) {
  for (const entry of CASES) {
    const result = await measure(entry);
    if (result.errors > 0) throw new Error(`${entry.label}: ${result.errors} runs failed`);
    results.get(entry).push(result);
    process.stderr.write(
      `round ${round}: ${entry.label} ${entry.scenario} ×${entry.workers}: ${fmt(result.runsPerSecond)} runs/s` +
        ` (others used ${fmt(result.othersCores, 2)} cores)\n`,
    );
  }
}
const summary = CASES.map((entry) => {
  const list = results.get(entry);
  return {
    label: entry.label,
    scenario: entry.scenario,
    workers: entry.workers,
    runs: list[0].runs,
    runsPerSecond: median(list.map((result) => result.runsPerSecond)),
    all: list.map((result) => Math.round(result.runsPerSecond)),
    jobMs: list[0].jobMs === null ? null : median(list.map((result) => result.jobMs)),
    othersCores: median(list.map((result) => result.othersCores)),
  };
});
const find = (label, scenario, workers) =>
  summary.find((row) => row.label === label && row.scenario === scenario && row.workers === workers);

const lines = [];
lines.push(
  `Node ${process.version}, ${os.cpus()[0]?.model.trim()} ×${os.availableParallelism()}, load average ${os.loadavg()[0].toFixed(1)} at the end; medians of ${repeats} runs.`,
  '',
);
if (only !== 'cpu') {
  lines.push('| no-op jobs (dispatch) | workers | runs | runs/s | µs per run | all runs (runs/s) |');
  lines.push('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const row of summary.filter((entry) => entry.scenario === 'dispatch')) {
    lines.push(
      `| ${row.label} | ${row.workers} | ${fmt(row.runs)} | ${fmt(row.runsPerSecond)} | ${fmt(1e6 / row.runsPerSecond, 1)} | ${row.all.map((value) => fmt(value)).join(', ')} |`,
    );
  }
  const ratio = (a, b) => (a && b ? `${(a.runsPerSecond / b.runsPerSecond).toFixed(2)}×` : '–');
  lines.push('', '| dispatch ratio | runs/s ratio |', '| --- | ---: |');
  lines.push(
    `| Horae ThreadExecutor ×2 ÷ APScheduler ThreadPoolExecutor ×2 | ${ratio(find('Horae ThreadExecutor', 'dispatch', 2), find('APScheduler ThreadPoolExecutor', 'dispatch', 2))} |`,
  );
  lines.push(
    `| Horae ProcessExecutor ×2 ÷ APScheduler ProcessPoolExecutor ×2 | ${ratio(find('Horae ProcessExecutor', 'dispatch', 2), find('APScheduler ProcessPoolExecutor', 'dispatch', 2))} |`,
  );
  lines.push(
    `| Horae ThreadExecutor ×2 ÷ new Worker per run ×2 | ${ratio(find('Horae ThreadExecutor', 'dispatch', 2), find('new Worker per run (bree model)', 'dispatch', 2))} |`,
  );
  lines.push('');
}
if (only !== 'dispatch') {
  lines.push(
    `| ${CPU_JOBS} CPU-bound jobs | job ms (alone) | 1 worker (jobs/s) | 2 workers (jobs/s) | speed-up 2 ÷ 1 | per round | others' CPU (cores) |`,
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | --- | ---: |');
  for (const label of [...new Set(summary.filter((row) => row.scenario === 'cpu').map((row) => row.label))]) {
    const one = find(label, 'cpu', 1);
    const two = find(label, 'cpu', 2);
    // 1 and 2 workers of one round ran back to back, under about the same load: the median of the
    // per-round ratios is steadier than the ratio of the medians.
    const oneRuns = results.get(
      CASES.find((entry) => entry.label === label && entry.scenario === 'cpu' && entry.workers === 1),
    );
    const twoRuns = results.get(
      CASES.find((entry) => entry.label === label && entry.scenario === 'cpu' && entry.workers === 2),
    );
    const ratios = twoRuns.map((result, index) => result.runsPerSecond / oneRuns[index].runsPerSecond);
    lines.push(
      `| ${label} | ${fmt(one?.jobMs, 1)} | ${fmt(one?.runsPerSecond, 1)} | ${fmt(two?.runsPerSecond, 1)} | ${median(ratios).toFixed(2)}× | ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')} | ${fmt(one?.othersCores, 2)} / ${fmt(two?.othersCores, 2)} |`,
    );
  }
}
console.log(lines.join('\n'));
if (jsonOut !== null) writeFileSync(jsonOut, JSON.stringify(summary, null, 2));
