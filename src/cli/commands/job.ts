// `horae job ...`: one job: show it, pause, resume or remove it (add and run-now have files of
// their own).
import type { Command } from 'commander';
import { JobLookupError } from '../../errors.js';
import type { Job } from '../../scheduler/job.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { describeTrigger } from '../../triggers/describe.js';
import { DISPLAY_ZONE, examples, storeOptions } from '../options.js';
import { colors, fields, formatTime, paintOutcome, printJson, println, table } from '../output.js';
import { withStore, type StoreOptions } from '../store-session.js';
import { zoneOf } from '../trigger-input.js';
import { RUN_HEADINGS, jobJson, runJson, runRow } from '../views.js';
import { registerJobAdd } from './job-add.js';
import { registerRunNow } from './job-run-now.js';

interface ShowOptions extends StoreOptions {
  json?: boolean;
  tz?: string;
}

/** How many next runs and past runs `job show` prints. */
const SHOWN = 5;

export function registerJob(program: Command): void {
  const job = program
    .command('job')
    .summary('show, add, pause, resume, run or remove one job')
    .description('Work on one job in a store.');
  registerShow(job);
  registerJobAdd(job);
  registerChange(job, 'pause', 'stop a job from running until it is resumed', (scheduler, id) =>
    scheduler.pauseJob(id),
  );
  registerChange(job, 'resume', 'resume a paused job from its next fire time', (scheduler, id) =>
    scheduler.resumeJob(id),
  );
  registerChange(job, 'remove', 'remove a job (its run history stays)', async (scheduler, id) => {
    await scheduler.removeJob(id);
    return null;
  });
  registerRunNow(job);
}

function registerShow(job: Command): void {
  const command = storeOptions(
    job
      .command('show')
      .summary('show a job: schedule, next runs, health and history')
      .description(
        `Show a job's settings, its schedule in words, its next ${SHOWN} run times, its health ` +
          `(last success and failure, failures in a row) and its last ${SHOWN} runs.`,
      )
      .argument('<id>', 'job id'),
  )
    .option(...DISPLAY_ZONE)
    .action((id: string, options: ShowOptions) => show(id, options));
  examples(command, ['horae job show nightly-report', 'horae job show nightly-report --json | jq .health']);
}

async function show(id: string, options: ShowOptions): Promise<void> {
  const zone = zoneOf(options);
  const { job, next, health, runs } = await withStore(options, async (scheduler) => {
    const job = await scheduler.getJob(id);
    if (job === null) throw new JobLookupError(id);
    return {
      job,
      next: await scheduler.getNextRunTimes(id, SHOWN),
      health: await scheduler.getJobHealth(id),
      runs: await scheduler.getRuns(id, { limit: SHOWN }),
    };
  });
  if (options.json === true) {
    printJson({
      ...jobJson(job),
      nextRunTimes: next.map((time) => time.toISOString()),
      health,
      runs: runs.map(runJson),
    });
    return;
  }
  const time = (date: Date | null) => (date === null ? '-' : formatTime(date, zone));
  const lastFailure = health.lastFailure;
  for (const line of fields([
    ['id', colors.cyan(job.id)],
    ['name', job.name],
    ['function', typeof job.func === 'string' ? job.func : '<function>'],
    ['schedule', describeTrigger(job.trigger)],
    ['state', job.nextRunTime === null ? colors.yellow('paused') : 'scheduled'],
    ['executor', job.executor],
    ['if interrupted', job.requestsRecovery ? 'runs once more (requestsRecovery)' : 'reported only'],
    ['last success', time(health.lastSuccess)],
    [
      'last failure',
      lastFailure === null
        ? '-'
        : `${time(lastFailure.at)} ${paintOutcome(lastFailure.outcome)}` +
          (lastFailure.error === null ? '' : `: ${lastFailure.error.message.split('\n')[0] ?? ''}`),
    ],
    ['failures in a row', String(health.consecutiveFailures)],
  ])) {
    println(line);
  }
  println();
  println(colors.bold(job.nextRunTime === null ? 'Would run at (once resumed)' : 'Next runs'));
  if (next.length === 0) println(colors.dim('  none: the trigger will not fire again'));
  for (const date of next) println(`  ${formatTime(date, zone)}`);
  println();
  println(colors.bold('Last runs'));
  if (runs.length === 0) {
    println(colors.dim('  none on record'));
    return;
  }
  const columns = RUN_HEADINGS.map((heading) => ({
    heading,
    ...(heading === 'OUTCOME' ? { paint: paintOutcome } : {}),
  }));
  for (const line of table(
    columns,
    runs.map((run) => runRow(run, zone)),
  ))
    println(`  ${line}`);
}

type Change = (scheduler: Scheduler, id: string) => Promise<Job | null>;

const DONE: Record<string, string> = { pause: 'Paused', resume: 'Resumed', remove: 'Removed' };

function registerChange(job: Command, name: string, summary: string, change: Change): void {
  const command = storeOptions(
    job
      .command(name)
      .summary(summary)
      .description(`${summary[0]?.toUpperCase() ?? ''}${summary.slice(1)}.`)
      .argument('<id>', 'job id'),
  )
    .option(...DISPLAY_ZONE)
    .action(async (id: string, options: ShowOptions) => {
      const zone = zoneOf(options);
      const changed = await withStore(options, (scheduler) => change(scheduler, id));
      if (options.json === true) {
        printJson({ id, action: name, job: changed === null ? null : jobJson(changed) });
        return;
      }
      let line = `${DONE[name] ?? name} job ${colors.cyan(id)}`;
      if (changed?.nextRunTime != null) line += `; next run ${formatTime(changed.nextRunTime, zone)}`;
      else if (name === 'resume') line += '; its trigger will not fire again, so it was removed';
      println(line);
    });
  examples(command, [`horae job ${name} nightly-report --store sqlite:///jobs.sqlite`]);
}
