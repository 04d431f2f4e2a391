// Time engine benchmark: the first next fire time far ahead, in a process that has not asked about
// the zone before (the zone caches start cold). Horae's CronTrigger.fromCrontab side by side with
// croner 11; cron-parser 5 has neither a year field nor an AND of the day fields, so it cannot
// express these schedules.
//
//   npm run build && node bench/cron-far.mjs [--runs 5] [--dist ../dist/index.js]
//
// Every measurement runs in a child process of its own (this script with --child). The child first
// computes a near fire time in another zone (America/New_York), so that ICU's zone data and the
// library's code are loaded, then times one construction and one next-fire-time call from
// 2026-01-01 in the zone measured. The table shows the median of `runs` children. Never part of
// the tests.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? args[index + 1] : fallback;
};
const RUNS = Number(option('runs', '5'));
const dist = option('dist', join(here, '..', 'dist', 'index.js'));
const START = new Date('2026-01-01T00:00:00Z');

/** Each case as a 7-field crontab line (second minute hour day month weekday year). */
const CASES = [
  { label: '1 Jan 2100, 00:00', expr: '0 0 0 1 1 * 2100' },
  { label: '1 Jan 9999, 00:00', expr: '0 0 0 1 1 * 9999' },
  { label: 'Monday 29 Feb (2044), AND', expr: '0 0 0 29 2 1', domAndDow: true },
];
const ZONES = ['Europe/Berlin', 'UTC'];
const LIBRARIES = ['horae', 'croner'];

/** `make(expr, zone, domAndDow)` returns a function computing the first fire time from START. */
async function loadLibrary(library) {
  if (library === 'horae') {
    const { CronTrigger } = await import(pathToFileURL(dist).href);
    return (expr, timezone, domAndDow) => () =>
      CronTrigger.fromCrontab(expr, { timezone, domAndDow }).getNextFireTime(null, START);
  }
  const { Cron } = await import('croner');
  return (expr, timezone, domAndDow) => () => new Cron(expr, { timezone, domAndDow }).nextRun(START);
}

async function child([library, caseIndex, zone]) {
  const make = await loadLibrary(library);
  const { expr, domAndDow = false } = CASES[Number(caseIndex)];
  make('0 0 9 * * 1-5', 'America/New_York', false)();
  const began = performance.now();
  const fire = make(expr, zone, domAndDow)();
  const ms = performance.now() - began;
  process.stdout.write(JSON.stringify({ ms, fire: fire?.toISOString() ?? null }));
}

function measure(library, caseIndex, zone) {
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--child', library, caseIndex, zone, '--dist', dist],
    {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    },
  );
  if (result.status !== 0) throw new Error(`${library} ${caseIndex} ${zone}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main() {
  const samples = new Map();
  const fires = new Map();
  // Interleaved, so that a burst of load on the machine spreads over every cell.
  for (let run = 0; run < RUNS; run++) {
    CASES.forEach((_, caseIndex) => {
      for (const zone of ZONES) {
        for (const library of LIBRARIES) {
          const key = `${library}|${caseIndex}|${zone}`;
          const { ms, fire } = measure(library, String(caseIndex), zone);
          samples.set(key, [...(samples.get(key) ?? []), ms]);
          fires.set(key, fire);
        }
      }
    });
  }
  console.log(
    `First fire time far ahead, cold zone cache, median of ${RUNS} child processes; Node ${process.version}, ` +
      `${os.cpus()[0]?.model ?? 'unknown CPU'} ×${os.cpus().length}, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
  );
  console.log(
    '| next fire time | zone | Horae (ms) | croner (ms) | cron-parser | fire time (Horae) | croner agrees |',
  );
  console.log('| --- | --- | ---: | ---: | --- | --- | --- |');
  CASES.forEach(({ label, expr }, caseIndex) => {
    for (const zone of ZONES) {
      const cell = (library) => median(samples.get(`${library}|${caseIndex}|${zone}`)).toFixed(2);
      const horaeFire = fires.get(`horae|${caseIndex}|${zone}`);
      const agrees =
        horaeFire === fires.get(`croner|${caseIndex}|${zone}`)
          ? 'yes'
          : `no: ${fires.get(`croner|${caseIndex}|${zone}`)}`;
      console.log(
        `| ${label} \`${expr}\` | ${zone} | ${cell('horae')} | ${cell('croner')} | – | ${horaeFire} | ${agrees} |`,
      );
    }
  });
}

if (args[0] === '--child') await child(args.slice(1));
else await main();
