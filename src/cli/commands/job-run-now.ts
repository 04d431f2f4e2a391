// `horae job run-now ID`: one run of a job, now, in this process, and its outcome.
import type { Command } from 'commander';
import { CommandFailed } from '../cli-errors.js';
import { baseDirOption, examples, storeOptions } from '../options.js';
import { colors, formatDuration, printJson, println } from '../output.js';
import type { Logger } from '../../logger.js';
import { cliLogger, withStore, type StoreOptions } from '../store-session.js';

interface RunNowOptions extends StoreOptions {
  json?: boolean;
}

export function registerRunNow(job: Command): void {
  const command = baseDirOption(
    storeOptions(
      job
        .command('run-now')
        .summary('run a job once, now, here, and wait for its outcome')
        .description(
          'Run a job once, now, in this process (not on a running scheduler): its reference must ' +
            'import from the working directory or --base-dir. Waits for the run to end, prints its ' +
            'outcome and records it in the run history as a manual run; the schedule is left as it ' +
            'is. Exits 1 when the run failed.',
        )
        .argument('<id>', 'job id'),
    ),
  ).action((id: string, options: RunNowOptions) => runNow(id, options));
  examples(command, [
    'horae job run-now nightly-report',
    'horae job run-now nightly-report --base-dir /srv/app --json',
  ]);
}

/** How the run ended, as the run history records it. */
interface RunOutcome {
  id: string;
  outcome: 'success' | 'error' | 'timeout' | 'missed';
  scheduledRunTime: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  returnValue?: unknown;
  error?: { name: string; message: string };
}

async function runNow(id: string, options: RunNowOptions): Promise<void> {
  const { logger, told } = outcomeAwareLogger();
  const result = await withStore(
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
    logger,
  );
  if (options.json === true) printJson(result);
  else println(outcomeLine(result));
  if (result.outcome !== 'success')
    throw new CommandFailed(`The run of job "${id}" ended: ${result.outcome}`);
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

function outcomeLine(result: RunOutcome): string {
  const took = result.durationMs === null ? '' : ` in ${formatDuration(result.durationMs)}`;
  const job = colors.cyan(result.id);
  switch (result.outcome) {
    case 'success': {
      const value =
        result.returnValue === undefined
          ? ''
          : `, returned ${JSON.stringify(result.returnValue) ?? String(result.returnValue)}`;
      return `${colors.green('✓')} Job ${job} ran${took}${value}`;
    }
    case 'missed':
      return `${colors.yellow('!')} Job ${job} was missed: it could not start within its misfire grace time`;
    default: {
      const what = result.outcome === 'timeout' ? 'timed out' : 'failed';
      return `${colors.red('✗')} Job ${job} ${what}${took}: ${result.error?.name}: ${result.error?.message.split('\n')[0]}`;
    }
  }
}
