// `horae jobs`: the jobs in a store, filtered.
import type { Command } from 'commander';
import type { Job } from '../../scheduler/job.js';
import { describeTrigger } from '../../triggers/describe.js';
import { DISPLAY_ZONE, examples, storeOptions } from '../options.js';
import { colors, formatTime, printJson, println, table } from '../output.js';
import { withStore, type StoreOptions } from '../store-session.js';
import { zoneOf } from '../trigger-input.js';
import { jobJson } from '../views.js';

interface JobsOptions extends StoreOptions {
  json?: boolean;
  paused?: boolean;
  active?: boolean;
  search?: string;
  tz?: string;
}

export function registerJobs(program: Command): void {
  const command = storeOptions(
    program
      .command('jobs')
      .summary('list the jobs in a store')
      .description('List the jobs in a store, soonest first, with their schedules and next run times.'),
  )
    .option('--paused', 'only paused jobs')
    .option('--active', 'only jobs that are not paused')
    .option('--search <text>', 'only jobs whose id, name or function contains the text (any case)')
    .option(...DISPLAY_ZONE)
    .action((options: JobsOptions) => listJobs(options));
  examples(command, [
    'horae jobs --store sqlite:///var/lib/horae/jobs.sqlite',
    'HORAE_STORE=postgres://app@db/app horae jobs --paused',
    'horae jobs --search report --json',
  ]);
}

async function listJobs(options: JobsOptions): Promise<void> {
  const zone = zoneOf(options);
  const jobs = (await withStore(options, (scheduler) => scheduler.getJobs())).filter(matches(options));
  if (options.json === true) {
    printJson(jobs.map(jobJson));
    return;
  }
  if (jobs.length === 0) {
    println(colors.dim(filtered(options) ? 'No job matches.' : 'No jobs in this store.'));
    return;
  }
  const rows = jobs.map((job) => [
    job.id,
    job.nextRunTime === null ? 'paused' : formatTime(job.nextRunTime, zone),
    describeTrigger(job.trigger),
    typeof job.func === 'string' ? job.func : '<function>',
  ]);
  const columns = [
    { heading: 'ID', paint: colors.cyan },
    {
      heading: 'NEXT RUN',
      paint: (cell: string) => (cell.startsWith('paused') ? colors.yellow(cell) : cell),
    },
    { heading: 'SCHEDULE' },
    { heading: 'FUNCTION', paint: colors.dim },
  ];
  for (const line of table(columns, rows)) println(line);
  println(colors.dim(`${jobs.length} job${jobs.length === 1 ? '' : 's'}`));
}

function filtered(options: JobsOptions): boolean {
  return options.paused === true || options.active === true || options.search !== undefined;
}

function matches(options: JobsOptions): (job: Job) => boolean {
  const search = options.search?.toLowerCase();
  return (job) => {
    if (options.paused === true && job.nextRunTime !== null) return false;
    if (options.active === true && job.nextRunTime === null) return false;
    if (search === undefined) return true;
    const func = typeof job.func === 'string' ? job.func : '';
    return [job.id, job.name, func].some((text) => text.toLowerCase().includes(search));
  };
}
