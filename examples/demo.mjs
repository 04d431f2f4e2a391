// The quickstart demo: `npm run demo`. A scheduler with a few jobs, printing each event as it
// happens. Runs until Ctrl-C (or for `--seconds N`).
import { Scheduler } from '../dist/index.js';

const secondsFlag = process.argv.indexOf('--seconds');
const stopAfter = secondsFlag > 0 ? Number(process.argv[secondsFlag + 1]) : null;

const time = () => new Date().toISOString().slice(11, 23);
const scheduler = new Scheduler();

scheduler.on('job_executed', (event) =>
  console.log(`${time()}  ran   ${event.jobId} -> ${JSON.stringify(event.retval)}`),
);
scheduler.on('job_error', (event) =>
  console.log(`${time()}  error ${event.jobId}: ${event.exception.message}`),
);
scheduler.on('job_missed', (event) => console.log(`${time()}  missed ${event.jobId}`));

let ticks = 0;
await scheduler.addJob(() => `tick ${++ticks}`, 'interval', { seconds: 1, id: 'tick' });
await scheduler.addJob((city) => `weather in ${city}: sunny`, 'interval', {
  seconds: 2,
  args: ['Beijing'],
  id: 'weather',
});
await scheduler.addJob(() => 'three seconds after start', 'date', {
  runDate: new Date(Date.now() + 3000),
  id: 'once',
});
await scheduler.addJob(
  () => {
    throw new Error('this job fails on purpose; the scheduler carries on');
  },
  'interval',
  { seconds: 5, id: 'flaky' },
);

console.log('Horae demo: jobs are scheduled. Press Ctrl-C to stop.\n');
await scheduler.printJobs();
console.log('');

if (stopAfter !== null) setTimeout(() => void scheduler.shutdown(), stopAfter * 1000);
await scheduler.run();
console.log(`\n${time()}  scheduler shut down cleanly`);
