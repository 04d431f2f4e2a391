// Time engine benchmark: chains of successive next fire times, Horae's CronTrigger side by side with
// croner 11, cron-parser 5 and (as a reference) APScheduler 3's CronTrigger via /usr/bin/python3.
//
//   npm run build && node bench/cron-next.mjs [--count 100000] [--runs 3] [--budget-ms 1500]
//       [--aps-count 20000] [--no-aps] [--dist ../dist/index.js]
//
// Each expression runs in UTC and in Europe/Berlin, from 2026-01-01, as a chain: every call gets the
// previous fire time. A chain that is exhausted or passes the year 3000 (croner's limit for a `*`
// year) starts again from the beginning. croner also runs with no zone at all (the process runs
// with TZ=UTC), the configuration it is fastest in. Each (library, expression, zone) is timed in
// `runs` interleaved rounds after one warm-up run; the table shows the median rate. A run stops
// early after `budget-ms` (some libraries manage only hundreds of fire times per second on some
// expressions); its rate is then the fire times it computed divided by that time. The first 500
// fire times after the start of each library are compared with Horae's, and differences reported.
// Never part of the tests.
process.env.TZ = 'UTC';

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? args[index + 1] : fallback;
};
const COUNT = Number(option('count', '100000'));
const RUNS = Number(option('runs', '3'));
const BUDGET_MS = Number(option('budget-ms', '1500'));
const APS_COUNT = Number(option('aps-count', '20000'));
const WITH_APS = !args.includes('--no-aps');
const dist = option('dist', join(here, '..', 'dist', 'index.js'));
const { CronTrigger } = await import(pathToFileURL(dist).href);

const START = new Date('2026-01-01T00:00:00Z');
const HORIZON_YEAR = 3000;
const HORIZON = Date.UTC(HORIZON_YEAR, 0, 1);
const ZONES = ['UTC', 'Europe/Berlin'];

/** Each expression, and the same schedule in APScheduler 3's fields (weekdays by name). */
const EXPRESSIONS = [
  { expr: '*/5 * * * *', aps: { minute: '*/5' } },
  { expr: '0 9 * * 1-5', aps: { day_of_week: 'mon-fri', hour: 9, minute: 0 } },
  { expr: '0 0 29 2 *', aps: { month: 2, day: 29, hour: 0, minute: 0 } },
  { expr: '30 2 * * *', aps: { hour: 2, minute: 30 } },
  { expr: '0 0 L * *', aps: { day: 'last', hour: 0, minute: 0 } },
  { expr: '0 12 * * 5#2', aps: { day: '2nd fri', hour: 12, minute: 0 } },
  { expr: '*/10 * * * * *', aps: { second: '*/10' } },
];

/** A library's chain: `next()` gives the following fire time (a Date) or null, `reset()` starts over. */
const LIBRARIES = {
  horae: (expr, zone) => {
    const trigger = CronTrigger.fromCrontab(expr, { timezone: zone });
    let previous = null;
    return {
      next: () => (previous = trigger.getNextFireTime(previous, START)),
      reset: () => (previous = null),
    };
  },
  croner: (expr, zone) => {
    const job = new Cron(expr, zone === null ? {} : { timezone: zone });
    let previous = START;
    return {
      next: () => {
        const next = job.nextRun(previous);
        previous = next ?? START;
        return next;
      },
      reset: () => (previous = START),
    };
  },
  'cron-parser': (expr, zone) => {
    const make = () => CronExpressionParser.parse(expr, { currentDate: START, tz: zone ?? 'UTC' });
    let iterator = make();
    return {
      next: () => iterator.next().toDate(),
      reset: () => (iterator = make()),
    };
  },
};

/**
 * Runs `count` steps of a chain (or as many as fit in `budgetMs`), restarting it at the horizon;
 * returns the steps per second.
 */
function rateOf(chain, count, budgetMs) {
  const began = performance.now();
  let done = 0;
  while (done < count) {
    const batch = Math.min(256, count - done);
    for (let i = 0; i < batch; i++) {
      const next = chain.next();
      if (next === null || next.getTime() >= HORIZON) chain.reset();
    }
    done += batch;
    if (performance.now() - began > budgetMs) break;
  }
  return (done / (performance.now() - began)) * 1000;
}

function firstTimes(chain, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const next = chain.next();
    if (next === null || next.getTime() >= HORIZON) break;
    out.push(next.getTime());
  }
  return out;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// Rows: one per (library, zone setting) and expression.
const rows = [];
for (const { expr } of EXPRESSIONS) {
  for (const zone of ZONES) {
    for (const library of ['horae', 'croner', 'cron-parser'])
      rows.push({ expr, zone, library, setting: zone });
  }
  rows.push({ expr, zone: null, library: 'croner', setting: 'none' });
}
for (const row of rows) {
  row.make = () => LIBRARIES[row.library](row.expr, row.zone);
  row.samples = [];
  // Warm-up: for Horae, also fills the zone cache for every year the chain reaches.
  rateOf(row.make(), COUNT, row.library === 'horae' ? Infinity : BUDGET_MS);
}

// Agreement with Horae on the first 500 fire times.
const disagreements = [];
for (const row of rows.filter((r) => r.library !== 'horae')) {
  // Horae's first fire time may be the start itself (at or after `now`); the others' come after it.
  const reference = firstTimes(LIBRARIES.horae(row.expr, row.zone ?? 'UTC'), 501).filter(
    (t) => t > START.getTime(),
  );
  const theirs = firstTimes(row.make(), 500);
  const index = reference.slice(0, 500).findIndex((t, i) => theirs[i] !== t);
  if (index >= 0) {
    disagreements.push(
      `${row.library} (${row.setting}) \`${row.expr}\`: fire time #${index + 1} is ${theirs[index] === undefined ? 'missing' : new Date(theirs[index]).toISOString()}, Horae says ${new Date(reference[index]).toISOString()}`,
    );
  }
}

for (let round = 0; round < RUNS; round++) {
  for (const row of rows) row.samples.push(rateOf(row.make(), COUNT, BUDGET_MS));
}

let apsRates = {};
if (WITH_APS) {
  const cases = [];
  for (const { expr, aps } of EXPRESSIONS) {
    for (const zone of ZONES)
      cases.push({ label: `${expr}|${zone}`, fields: aps, timezone: zone, start: '2026-01-01T00:00:00Z' });
  }
  const spec = { count: APS_COUNT, runs: Math.max(3, Math.min(RUNS, 3)), horizon: HORIZON_YEAR, cases };
  const result = spawnSync(
    '/usr/bin/python3',
    [join(here, 'python', 'apscheduler_cron_next.py'), JSON.stringify(spec)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(1);
  }
  for (const [label, seconds] of Object.entries(JSON.parse(result.stdout)))
    apsRates[label] = APS_COUNT / median(seconds);
}

const rate = (row) => median(row.samples);
const find = (expr, library, setting) =>
  rows.find((r) => r.expr === expr && r.library === library && r.setting === setting);
const fmt = (n) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(1)}×`);

console.log(
  `Chains of ${COUNT.toLocaleString('en-US')} next fire times or ${BUDGET_MS} ms, whichever ends first ` +
    `(APScheduler: ${APS_COUNT.toLocaleString('en-US')}), ` +
    `median of ${RUNS} runs; Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} ×${os.cpus().length}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
);
console.log(
  '| expression | zone | Horae | croner | croner, no zone | cron-parser | APScheduler 3 | Horae ÷ croner | Horae ÷ croner no zone | Horae ÷ cron-parser | Horae ÷ APScheduler |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { expr } of EXPRESSIONS) {
  const noZone = rate(find(expr, 'croner', 'none'));
  for (const zone of ZONES) {
    const horae = rate(find(expr, 'horae', zone));
    const croner = rate(find(expr, 'croner', zone));
    const parser = rate(find(expr, 'cron-parser', zone));
    const aps = apsRates[`${expr}|${zone}`];
    console.log(
      `| \`${expr}\` | ${zone} | ${fmt(horae)} | ${fmt(croner)} | ${fmt(noZone)} | ${fmt(parser)} | ${fmt(aps)} | ${ratio(horae, croner)} | ${ratio(horae, noZone)} | ${ratio(horae, parser)} | ${ratio(horae, aps)} |`,
    );
  }
}
console.log('\nRates are next fire times per second.');
if (disagreements.length > 0) {
  console.log('\nDisagreements with Horae in the first 500 fire times:');
  for (const line of disagreements) console.log(`- ${line}`);
}
