// `horae job run-now ID`: one run of a job, now: handed to the cluster's workers through the store
// when a live one can take it, else run in this process, and its outcome.
import type { Command } from 'commander';
import { JobLookupError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { CliUsageError, CommandFailed } from '../cli-errors.js';
import { baseDirOption, examples, storeOptions } from '../options.js';
import { colors, formatDuration, printJson, println } from '../output.js';
import { cliLogger, withStore, type StoreOptions } from '../store-session.js';
import { handOver, workersFor, type HandedOver, type RunOutcome } from './job-hand-over.js';

interface RunNowOptions extends StoreOptions {
  json?: boolean;
  here?: boolean;
  cluster?: boolean;
  wait?: boolean;
}

export function registerRunNow(job: Command): void {
  const command = baseDirOption(
    storeOptions(
      job
        .command('run-now')
        .summary("run a job once, now: on the cluster's workers, or here")
        .description(
          "Run a job once, now, leaving its schedule as it is. When a live worker node runs the job's " +
            "executor, the run is handed to the cluster's workers through the store and the command " +
            'returns (--wait: waits for its outcome). Otherwise it runs in this process, whose job ' +
            'reference must then import from the working directory or --base-dir, and the command ' +
            'waits for it. Either way it is recorded as a manual run. Exits 1 when a run it waited ' +
            'for failed.',
        )
        .argument('<id>', 'job id'),
    ),
  )
    .option('--here', 'run it in this process even when workers are live')
    .option('--cluster', 'hand it to the workers even when none is live (it waits in the store)')
    .option('--wait', "wait for the outcome of a run handed to the cluster's workers")
    .action((id: string, options: RunNowOptions) => runNow(id, options));
  examples(command, [
    'horae job run-now nightly-report',
    'horae job run-now nightly-report --wait --json',
    'horae job run-now nightly-report --here --base-dir /srv/app',
  ]);
}

async function runNow(id: string, options: RunNowOptions): Promise<void> {
  if (options.here === true && (options.cluster === true || options.wait === true)) {
    throw new CliUsageError(
      `Give --here or ${options.cluster === true ? '--cluster' : '--wait'}, not both: a run here is always waited for`,
      { field: 'here' },
    );
  }
  const handed =
    options.here === true
      ? undefined
      : await withStore(options, async (scheduler) => {
          const job = await scheduler.getJob(id);
          if (job === null) throw new JobLookupError(id);
          const workers = workersFor(await scheduler.getNodes(), job.executor);
          if (workers.length === 0 && options.cluster !== true) return undefined;
          return handOver(scheduler, job, workers, options.wait === true);
        });
  const result = handed === undefined ? await runHere(id, options) : handed;
  if (result === null) {
    if (options.json === true) printJson({ id, handedOver: true, outcome: null });
    else println(`${colors.yellow('!')} Job ${colors.cyan(id)}'s run ended on the cluster, with no record`);
    return;
  }
  if ('outcome' in result) {
    if (options.json === true) printJson(result);
    else println(outcomeLine(result));
    if (result.outcome !== 'success')
      throw new CommandFailed(`The run of job "${id}" ended: ${result.outcome}`);
    return;
  }
  if (options.json === true) printJson(result);
  else println(handedOverLine(result));
}

/** Runs the job in this process, on a scheduler that may run jobs (paused: only this one). */
async function runHere(id: string, options: StoreOptions): Promise<RunOutcome> {
  const { logger, told } = outcomeAwareLogger();
  return withStore(
    options,
    async (scheduler) => {
      // Registered before the run starts; the paused scheduler runs nothing else, so the first
      // outcome of this job is this run's.
      const ended = new Promise<RunOutcome>((resolve) => {
        const times = (event: { scheduledRunTime: Date; startedAt?: Date; finishedAt?: Date }) => ({
          id,
          scheduledRunTime: event.scheduledRunTime.toISOString(),
          startedAt: event.startedAt?.toISOString() ?? null,
          finishedAt: event.finishedAt?.toISOString() ?? null,
          durationMs:
            event.startedAt === undefined || event.finishedAt === undefined
              ? null
              : event.finishedAt.getTime() - event.startedAt.getTime(),
          handedOver: false,
        });
        scheduler
          .on('job_executed', (event) => {
            if (event.jobId === id)
              resolve({ ...times(event), outcome: 'success', returnValue: event.retval });
          })
          .on('job_error', (event) => {
            if (event.jobId !== id) return;
            told.add(event.exception);
            const error =
              event.exception instanceof Error ? event.exception : new Error(String(event.exception));
            resolve({
              ...times(event),
              outcome: event.timedOut ? 'timeout' : 'error',
              error: { name: error.name, message: error.message },
            });
          })
          .on('job_missed', (event) => {
            if (event.jobId === id) resolve({ ...times(event), outcome: 'missed' });
          });
      });
      await scheduler.runJob(id);
      return ended;
    },
    { logger, role: 'both' },
  );
}

/**
 * The CLI's logger, less the error line of the failed run itself, which the outcome line tells
 * already. The run queue logs that line and emits `job_error` in the same turn, so an error line
 * waits a microtask and is dropped when its error is the exception of a `job_error` by then.
 */
function outcomeAwareLogger(): { logger: Logger; told: Set<unknown> } {
  const told = new Set<unknown>();
  const logger: Logger = {
    ...cliLogger,
    error(message, ...details) {
      queueMicrotask(() => {
        if (details.length === 0 || !told.has(details[0])) cliLogger.error(message, ...details);
      });
    },
  };
  return { logger, told };
}

function handedOverLine(result: HandedOver): string {
  const job = colors.cyan(result.id);
  const { workers, misfireGraceTime: grace } = result;
  // A run that waits obeys the misfire grace time, counted from its hand-over, like any other.
  const until =
    grace === null
      ? 'until one starts'
      : `and is missed unless one starts it within ${formatDuration(grace * 1000)}`;
  const who =
    workers.length === 0
      ? `none is live now: it waits in the store ${until}`
      : `${workers.length} live: ${workers.join(', ')}; it runs when one of them takes it`;
  return `${colors.green('→')} Job ${job} handed to the cluster's workers (${who})`;
}

function outcomeLine(result: RunOutcome): string {
  const took = result.durationMs === null ? '' : ` in ${formatDuration(result.durationMs)}`;
  const where = result.handedOver && result.node !== undefined ? ` on node ${result.node}` : '';
  const job = colors.cyan(result.id);
  switch (result.outcome) {
    case 'success': {
      const value =
        result.returnValue === undefined
          ? ''
          : `, returned ${JSON.stringify(result.returnValue) ?? String(result.returnValue)}`;
      return `${colors.green('✓')} Job ${job} ran${took}${where}${value}`;
    }
    case 'missed':
      return `${colors.yellow('!')} Job ${job} was missed${where}: it could not start within its misfire grace time`;
    case 'interrupted':
      return `${colors.yellow('!')} Job ${job} was interrupted: node ${result.node ?? '?'} stopped heartbeating during the run`;
    default: {
      const what = result.outcome === 'timeout' ? 'timed out' : 'failed';
      return `${colors.red('✗')} Job ${job} ${what}${took}${where}: ${result.error?.name}: ${result.error?.message.split('\n')[0]}`;
    }
  }
}
