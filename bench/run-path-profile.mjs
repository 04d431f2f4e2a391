// Where one round of scenario B's run path spends its time, in-process: 10,000 interval jobs due
// every second on a fake clock, one round profiled with node:inspector (50 µs sampling), inclusive
// milliseconds per function of the path. Diagnostic only (the profiler slows the round down).
//
//   npm run build && node bench/run-path-profile.mjs [round]   # 1 = the first round (default)
//
// HORAE_DIST points at another build, as in bench/scheduler-child.mjs.
import { Session } from 'node:inspector/promises';

const round = Number(process.argv[2] ?? 1);
const dist = process.env.HORAE_DIST ?? new URL('../dist/index.js', import.meta.url).href;
const { Scheduler, currentJob } = await import(dist);
const { FakeClock } = await import(new URL('testing.js', new URL(dist, import.meta.url)).href);

const T0 = Date.UTC(2026, 0, 1);
const clock = new FakeClock(T0);
const scheduler = new Scheduler({ clock, timezone: 'UTC' });
await scheduler.start();
for (let j = 0; j < 10_000; j++) {
  await scheduler.addJob(() => void currentJob().scheduledRunTime, 'interval', {
    seconds: 1,
    startDate: new Date(T0 + 1000),
  });
}
for (let r = 1; r < round; r++) await clock.advance(1000);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const cpuStart = process.cpuUsage();
await clock.advance(1000);
const cpu = process.cpuUsage(cpuStart);
const { profile } = await session.post('Profiler.stop');
await scheduler.shutdown();

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
/** Inclusive µs per function name, each counted once per stack. */
const inclusive = new Map();
function walk(id, stack) {
  const node = nodes.get(id);
  const file = node.callFrame.url.split('/').slice(-2).join('/').replace(/\.js$/, '');
  const name = `${node.callFrame.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}`}`;
  let total = self.get(id) ?? 0;
  for (const child of node.children ?? [])
    total += walk(child, stack.includes(name) ? stack : [...stack, name]);
  if (!stack.includes(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + total);
  return total;
}
walk(profile.nodes[0].id, []);

const PATH = [
  ['acquireDueJobs memory/memory-job-store', 'the store claims due jobs'],
  ['loadJob memory/memory-job-store', '  of which: copying each claimed job'],
  ['planRuns runs/run-plan', 'run times and next run time of each job'],
  ['submitAll runs/run-queue', 'the run queue starts the runs'],
  ['drain runs/run-queue', 'outcomes reported (records, events) and runs started after them'],
  ['addRuns memory/memory-job-store', 'the store keeps the run records'],
  ['releaseJobs memory/memory-job-store', 'the store takes the jobs back with their next run times'],
  ['(garbage collector)', 'garbage collection'],
];
console.log(`round ${round}: ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms of CPU (profiler on)`);
for (const [name, what] of PATH) {
  console.log(`${((inclusive.get(name) ?? 0) / 1000).toFixed(1).padStart(7)} ms  ${name.padEnd(40)} ${what}`);
}
