// The quickstart demo: `npm run demo`. A scheduler on the embedded SQLite store (horae-demo.sqlite
// in the working directory), printing each event as it happens. Jobs are stored by task name, so
// they survive a restart: stop it with Ctrl-C, run it again, and the same jobs carry on.
// `--seconds N` stops it after N seconds.
import { Scheduler } from '../dist/index.js';
import { SqliteJobStore } from '../dist/stores/sqlite/index.js';

const secondsFlag = process.argv.indexOf('--seconds');
const stopAfter = secondsFlag > 0 ? Number(process.argv[secondsFlag + 1]) : null;

const time = () => new Date().toISOString().slice(11, 23);
const scheduler = new Scheduler({
  jobStores: { default: new SqliteJobStore({ path: 'horae-demo.sqlite' }) },
});

scheduler.on('job_executed', (event) =>
  console.log(`${time()}  ran    ${event.jobId} -> ${JSON.stringify(event.retval)}`),
);
scheduler.on('job_error', (event) =>
  console.log(`${time()}  error  ${event.jobId}: ${event.exception.message}`),
);
scheduler.on('job_missed', (event) => console.log(`${time()}  missed ${event.jobId}`));

// Persistent stores keep a job's function by name: register the functions under task names.
let ticks = 0;
scheduler.registerTask('tick', () => `tick ${++ticks}`);
scheduler.registerTask('weather', (city) => `weather in ${city}: sunny`);
scheduler.registerTask('greet', () => 'three seconds after start');
scheduler.registerTask('flaky', () => {
  throw new Error('this job fails on purpose; the scheduler carries on');
});

await scheduler.start();
const stored = await scheduler.getJobs();
console.log(
  stored.length > 0
    ? `Horae demo: found ${stored.length} jobs in horae-demo.sqlite from an earlier run; they carry on.`
    : 'Horae demo: a new horae-demo.sqlite; adding the jobs.',
);
await scheduler.addJob('tick', 'interval', { seconds: 1, id: 'tick', replaceExisting: true });
await scheduler.addJob('weather', 'cron', {
  second: '*/2',
  args: ['Beijing'],
  id: 'weather',
  replaceExisting: true,
});
await scheduler.addJob('flaky', 'interval', { seconds: 5, id: 'flaky', replaceExisting: true });
await scheduler.addJob('greet', 'date', {
  runDate: new Date(Date.now() + 3000),
  id: 'once',
  replaceExisting: true,
});
console.log('Press Ctrl-C to stop.\n');
await scheduler.printJobs();
console.log('');

const stop = async () => {
  await scheduler.shutdown();
  console.log(`\n${time()}  scheduler shut down cleanly`);
};
if (stopAfter !== null) setTimeout(stop, stopAfter * 1000);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
