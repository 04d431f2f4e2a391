// Scheduler benchmark: Horae against node-schedule, croner, toad-scheduler, node-cron, bare timers
// (a timer per job, and one timer for all) and APScheduler 3, with a lean reference loop; each
// library in child processes of its own (bench/scheduler-child.mjs, bench/python/apscheduler_fire.py),
// every figure the median of several runs.
//
//   npm run build && node bench/scheduler-fire.mjs [--scenario oneshot|interval|all] [--runs 3]
//       [--libs horae,setTimeout,...] [--jobs N] [--json out.json]
//
// Scenario "oneshot" (A): 100,000 one-shot jobs due within a 2-second window starting 1 s after the
// first is added, all added while the scheduler runs. Scenario "interval" (B): 10,000 jobs every
// second, measured over a 10-second window (100,000 runs expected).
// Never part of the tests.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const PYTHON = '/usr/bin/python3';

const args = process.argv.slice(2);
function option(name, fallback) {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? args[index + 1] : fallback;
}
const scenarios = option('scenario', 'all') === 'all' ? ['oneshot', 'interval'] : [option('scenario')];
const runs = Number(option('runs', '3'));
const jsonOut = option('json', null);
const jobsOverride = option('jobs', null);
const lead = option('lead', '1000');

/**
 * Each row: a library as its users would run it. `node` rows run bench/scheduler-child.mjs with the
 * adapter named `adapter`; `python` rows run the APScheduler script. `scenarios` says where it takes
 * part; `note` explains a row in the report.
 */
const LIBRARIES = [
  { name: 'Horae', adapter: 'horae', scenarios: ['oneshot', 'interval'] },
  {
    name: 'Horae, run history off',
    adapter: 'horae-nohistory',
    scenarios: ['oneshot', 'interval'],
    note: 'not the default: `runHistory: false`',
  },
  {
    name: 'Horae, no-op executor (diagnostic)',
    adapter: 'horae-noop-executor',
    scenarios: ['oneshot', 'interval'],
    diagnostic: true,
    note: 'not usable: jobs called synchronously, no context, events or run history',
  },
  { name: 'node-schedule', adapter: 'node-schedule', scenarios: ['oneshot', 'interval'] },
  {
    name: 'croner',
    adapter: 'croner',
    scenarios: ['oneshot', 'interval'],
    note: 'default heap limit',
  },
  {
    name: 'croner (16 GiB heap)',
    adapter: 'croner',
    nodeFlags: ['--max-old-space-size=16384'],
    scenarios: ['oneshot'],
    note: 'run again with a heap large enough not to crash',
  },
  {
    name: 'toad-scheduler',
    adapter: 'toad-scheduler',
    scenarios: ['oneshot', 'interval'],
    note: 'no one-shot job: emulated with a SimpleIntervalJob stopped by its first run',
  },
  { name: 'node-cron', adapter: 'node-cron', scenarios: ['interval'], note: 'no one-shot job' },
  { name: 'setTimeout (floor)', adapter: 'setTimeout', scenarios: ['oneshot', 'interval'] },
  {
    name: 'one timer (floor)',
    adapter: 'one-timer',
    scenarios: ['oneshot', 'interval'],
    note: 'reference, not a library: one timer calling every due job in a loop, never early',
  },
  {
    name: 'lean loop (reference)',
    adapter: 'lean-loop',
    scenarios: ['interval'],
    note: "reference, not a library: the least per-run work of Horae's model, 10 run records per job",
  },
  {
    name: 'lean loop, no history (reference)',
    adapter: 'lean-loop-nohistory',
    scenarios: ['interval'],
    note: 'the lean loop without run records',
  },
  {
    name: 'Horae, metrics on',
    adapter: 'horae-metrics',
    scenarios: ['oneshot', 'interval'],
    diagnostic: true,
    note: 'horae/metrics collecting, not scraped: compare with Horae in the same run',
  },
  {
    name: 'Horae, tracing on, no SDK',
    adapter: 'horae-tracing-nosdk',
    scenarios: ['oneshot', 'interval'],
    diagnostic: true,
    note: "horae/tracing with the OpenTelemetry API's no-op tracer",
  },
  {
    name: 'Horae, tracing on, SDK',
    adapter: 'horae-tracing',
    scenarios: ['oneshot', 'interval'],
    diagnostic: true,
    note: 'horae/tracing with the SDK: every run sampled, spans batched and discarded',
  },
  {
    name: 'APScheduler 3',
    adapter: 'apscheduler',
    python: 'apscheduler_fire.py',
    scenarios: ['oneshot', 'interval'],
  },
];

const only = option('libs', null)?.split(',');
// Diagnostic rows run only when asked for by name in --libs.
const selected = LIBRARIES.filter((lib) =>
  only === undefined
    ? lib.diagnostic !== true
    : only.some((name) => name === lib.adapter || name === lib.name),
);

/** CPU pressure (share of time some task waited for a CPU, last 10 s) and load average: how busy the machine was. */
function machineLoad() {
  let pressure = null;
  try {
    pressure = Number(/avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    // not available
  }
  return { load1: os.loadavg()[0], cpuPressure: pressure };
}

function runChild(lib, scenario) {
  const jobs = jobsOverride ?? (scenario === 'oneshot' ? '100000' : '10000');
  const extra = scenario === 'oneshot' ? [lead] : [];
  const [command, commandArgs] = lib.python
    ? [PYTHON, [join(here, 'python', lib.python), scenario, jobs, ...extra]]
    : [
        process.execPath,
        [...(lib.nodeFlags ?? []), join(here, 'scheduler-child.mjs'), scenario, lib.adapter, jobs, ...extra],
      ];
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    let stderrLines = 0;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      stderrLines += text.split('\n').length - 1;
      stderrTail = (stderrTail + text).slice(-4000);
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line !== undefined) {
        resolve({ ...JSON.parse(line.slice(7)), stderrLines });
        return;
      }
      const oom = /heap out of memory|Reached heap limit/.test(stderrTail);
      const lastError = stderrTail
        .split('\n')
        .reverse()
        .find((l) => /Error/.test(l));
      resolve({
        crashed: oom
          ? 'out of memory (V8 heap limit)'
          : `exit ${code ?? signal}${lastError ? `: ${lastError.trim()}` : ''}`,
        stderrTail: stderrTail.slice(-600),
      });
    });
  });
}

function median(values) {
  const list = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (list.length === 0) return null;
  const mid = list.length >> 1;
  return list.length % 2 === 1 ? list[mid] : (list[mid - 1] + list[mid]) / 2;
}

function medianOf(results, path) {
  return median(results.map((r) => path.split('.').reduce((value, key) => value?.[key], r)));
}

const versions = {
  node: process.version,
  Horae: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
};
const gitHead = await new Promise((resolve) => {
  const child = spawn('git', ['describe', '--always', '--dirty'], { cwd: root });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.on('error', () => resolve(null));
  child.on('close', (code) => resolve(code === 0 ? out.trim() : null));
});
if (gitHead !== null) versions.Horae += ` (${gitHead})`;
if (process.env.HORAE_DIST !== undefined) versions.Horae += ` from ${process.env.HORAE_DIST}`;
for (const name of ['node-schedule', 'croner', 'toad-scheduler', 'node-cron']) {
  try {
    versions[name] = JSON.parse(
      readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'),
    ).version;
  } catch {
    versions[name] = 'not installed';
  }
}
versions['APScheduler'] = await new Promise((resolve) => {
  const child = spawn(PYTHON, [
    '-c',
    'import sys, apscheduler; print(apscheduler.__version__, sys.version.split()[0])',
  ]);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.on('error', () => resolve('not available'));
  child.on('close', (code) => {
    const [aps, py] = out.trim().split(' ');
    resolve(code === 0 ? `${aps} (Python ${py})` : 'not available');
  });
});

const report = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
  versions,
  runs,
  scenarios: {},
};
console.error(`machine: ${report.machine}`);
console.error(`versions: ${JSON.stringify(versions)}`);

for (const scenario of scenarios) {
  const libs = selected.filter((lib) => lib.scenarios.includes(scenario));
  const results = new Map(libs.map((lib) => [lib.name, []]));
  // Round-robin, so slow drifts in machine load spread over every library alike.
  for (let run = 0; run < runs; run++) {
    for (const lib of libs) {
      const started = Date.now();
      const before = machineLoad();
      const result = await runChild(lib, scenario);
      result.machineLoad = { before, after: machineLoad() };
      results.get(lib.name).push(result);
      console.error(
        `${scenario} run ${run + 1}/${runs} ${lib.name}: ${((Date.now() - started) / 1000).toFixed(1)} s ${
          result.crashed ? `CRASHED ${result.crashed}` : summarize(scenario, result)
        }`,
      );
    }
  }
  report.scenarios[scenario] = libs.map((lib) => {
    const all = results.get(lib.name);
    const ok = all.filter((r) => !r.crashed && !r.unsupported);
    const row = { name: lib.name, note: lib.note, runs: all.length, ok: ok.length };
    if (all.some((r) => r.unsupported)) return { ...row, unsupported: true };
    const crashes = all.filter((r) => r.crashed);
    if (crashes.length > 0) row.crashed = crashes.map((r) => r.crashed);
    if (ok.length === 0) return row;
    const fields =
      scenario === 'oneshot'
        ? [
            'addMs',
            'peakRssMiB',
            'baselineRssMiB',
            'lateness.p50',
            'lateness.p99',
            'lateness.max',
            'minLateness',
            'early',
            'fired',
            'duplicates',
            'firesPerSecond',
            'cpuMs',
          ]
        : [
            'addMs',
            'observed',
            'expected',
            'lateness.p50',
            'lateness.p99',
            'lateness.max',
            'early',
            'duplicates',
            'cpuMs',
            'cpuWindowMs',
            'peakRssMiB',
          ];
    for (const field of fields) row[field] = medianOf(ok, field);
    row.raw = ok;
    return row;
  });
}

function summarize(scenario, r) {
  if (r.unsupported) return 'unsupported';
  const f = (v, d = 1) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
  return scenario === 'oneshot'
    ? `add ${f(r.addMs, 0)} ms, rss ${f(r.peakRssMiB, 0)} MiB, late p50/p99/max ${f(r.lateness.p50)}/${f(r.lateness.p99)}/${f(r.lateness.max)} ms, early ${r.early}, fired ${r.fired}, ${f(r.firesPerSecond, 0)}/s`
    : `runs ${r.observed}/${r.expected}, p99 ${f(r.lateness.p99)} ms, cpu ${f(r.cpuMs, 0)} ms, rss ${f(r.peakRssMiB, 0)} MiB`;
}

// ------------------------------------------------------------------------------------------------
// Markdown tables: medians, and each figure's ratio to Horae's.

function fmt(value, digits = 1) {
  if (value === null || value === undefined) return '–';
  if (Math.abs(value) >= 10_000) return Math.round(value).toLocaleString('en-US');
  return Number(value).toFixed(digits);
}

function ratio(value, base) {
  if (value === null || base === null || value === undefined || base === undefined) return '';
  if (base === 0) return value === 0 ? ' (=)' : '';
  return ` (×${fmt(value / base, value / base >= 10 ? 0 : 1)})`;
}

function table(scenario, rows) {
  const h = rows.find((r) => r.name === 'Horae') ?? {};
  const lateness = (r) =>
    `${fmt(r['lateness.p50'])} / ${fmt(r['lateness.p99'])}${ratio(r['lateness.p99'], h['lateness.p99'])} / ${fmt(r['lateness.max'])}`;
  const withRatio = (r, key) => `${fmt(r[key], 0)}${ratio(r[key], h[key])}`;
  // Each scenario's header and the cells of one row, in the same order.
  const [header, cells] =
    scenario === 'oneshot'
      ? [
          '| library | add 100k (ms) | peak RSS (MiB) | lateness p50 / p99 / max (ms) | fired early | fired | fires/s |',
          (r) => [
            withRatio(r, 'addMs'),
            withRatio(r, 'peakRssMiB'),
            lateness(r),
            fmt(r.early, 0),
            fmt(r.fired, 0),
            withRatio(r, 'firesPerSecond'),
          ],
        ]
      : [
          '| library | runs observed (of 100,000) | lateness p50 / p99 / max (ms) | fired early | CPU in the 10 s window (ms) | peak RSS (MiB) | add 10k (ms) |',
          (r) => [
            fmt(r.observed, 0),
            lateness(r),
            fmt(r.early, 0),
            withRatio(r, 'cpuMs'),
            withRatio(r, 'peakRssMiB'),
            withRatio(r, 'addMs'),
          ],
        ];
  const out = [header, '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    if (r.unsupported) out.push(`| ${r.name} | not possible: ${r.note ?? 'unsupported'} | | | | | |`);
    else if (r.ok === 0)
      out.push(`| ${r.name} | crashed in ${r.runs}/${r.runs} runs: ${r.crashed?.[0]} | | | | | |`);
    else {
      const name = `${r.name}${r.crashed ? ` (crashed ${r.crashed.length}/${r.runs})` : ''}`;
      out.push(`| ${[name, ...cells(r)].join(' | ')} |`);
    }
  }
  return out.join('\n');
}

const loads = Object.values(report.scenarios)
  .flat()
  .flatMap((row) => (row.raw ?? []).map((r) => r.machineLoad?.before?.cpuPressure))
  .filter((v) => typeof v === 'number');
report.cpuPressure = { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) };
console.log(`\nMachine: ${report.machine}; ${runs} runs each, medians; ratios are against Horae.`);
if (loads.length > 0) {
  console.log(
    `CPU pressure before each run (share of the last 10 s some task waited for a CPU): median ${report.cpuPressure.median}%, range ${report.cpuPressure.min}–${report.cpuPressure.max}%`,
  );
}
console.log(
  `Versions: ${Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}\n`,
);
for (const [scenario, rows] of Object.entries(report.scenarios)) {
  console.log(
    scenario === 'oneshot'
      ? '### A: 100,000 one-shot jobs due within 2 s\n'
      : '### B: 10,000 jobs every second for 10 s\n',
  );
  console.log(table(scenario, rows));
  console.log('');
}
if (jsonOut !== null) writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
