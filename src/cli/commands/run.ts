// `horae run ./scheduler.config.js`: a scheduler from a config module, in the foreground, until
// SIGINT or SIGTERM, which drain it (running jobs finish and are recorded) before it exits.
import type { Command } from 'commander';
import type { Logger } from '../../logger.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { redactUrl } from '../../stores/redact-url.js';
import { addJobArguments, loadConfig } from '../config-module.js';
import { baseDirOption, examples } from '../options.js';
import { colors, formatDuration, println } from '../output.js';
import { errorLine } from '../cli-errors.js';

interface RunOptions {
  store?: string;
  baseDir?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function registerRun(program: Command): void {
  const command = baseDirOption(
    program
      .command('run')
      .summary('run a scheduler from a config module')
      .description(
        'Start a scheduler from a config module and run it in the foreground, printing each run ' +
          'as it ends. The module exports (as default, or as config) the scheduler options ' +
          '(jobStores, executors, jobDefaults, timezone, ...) and a jobs array. SIGINT (Ctrl-C) or ' +
          'SIGTERM stops it after the running jobs finish; a second one stops it at once. ' +
          "--store replaces the module's default job store; HORAE_STORE is used when the module " +
          'names none (else the jobs are kept in memory). Relative job ' +
          "references resolve from the module's directory unless it or --base-dir says otherwise.",
      )
      .argument('<config>', 'the config module, such as ./scheduler.config.js')
      .option(
        '-s, --store <url>',
        "job store URL for the default store (default: the module's, or $HORAE_STORE)",
      )
      .option('--json', 'print one JSON object per event instead of text')
      .option('-q, --quiet', 'print only warnings and errors')
      .option('-v, --verbose', 'print the stack of each error'),
  ).action((config: string, options: RunOptions) => run(config, options));
  examples(command, [
    'horae run ./scheduler.config.js',
    'horae run ./scheduler.config.js --store postgres://app@db/app',
    'HORAE_STORE=sqlite:///var/lib/horae/jobs.sqlite horae run ./scheduler.config.js --json',
  ]);
}

async function run(path: string, options: RunOptions): Promise<void> {
  const { options: config, jobs, dir } = await loadConfig(path);
  const fromEnv = config.jobStores?.default === undefined ? process.env.HORAE_STORE : undefined;
  const store = options.store ?? (fromEnv === '' ? undefined : fromEnv);
  const scheduler = new Scheduler({
    logger: runLogger(options),
    ...config,
    baseDir: options.baseDir ?? config.baseDir ?? dir,
    ...(store === undefined ? {} : { jobStores: { ...config.jobStores, default: store } }),
  });
  for (const [index, job] of jobs.entries()) {
    const [func, trigger, jobOptions] = addJobArguments(job);
    try {
      await scheduler.addJob(func, trigger, jobOptions);
    } catch (error) {
      // Which of the module's jobs it was; the error keeps its class, and so its exit code.
      if (error instanceof Error) error.message = `${path}, jobs[${index}]: ${error.message}`;
      throw error;
    }
  }
  const print = printer(options);
  const defaultStore = store ?? config.jobStores?.default;
  const where =
    defaultStore === undefined
      ? 'in memory'
      : typeof defaultStore === 'string'
        ? `in ${redactUrl(defaultStore)}`
        : '';
  report(scheduler, print, options, where);
  const stop = onSignals(print);
  try {
    await scheduler.run();
  } finally {
    stop();
  }
  print('stopped', 'Stopped: every running job has finished.');
}

/**
 * The scheduler's warnings and errors (unless the config module gives a logger) on stderr, one
 * line each in the look of the run lines, with the stack only for --verbose.
 */
function runLogger(options: RunOptions): Logger {
  const line = (mark: string, message: string, details: unknown[]) => {
    const [detail] = details;
    let text = `${colors.dim(new Date().toISOString())} ${mark} ${message}`;
    if (detail !== undefined) text += `: ${errorLine(detail)}`;
    if (options.verbose === true && detail instanceof Error && detail.stack !== undefined) {
      text += `\n${detail.stack.split('\n').slice(1).join('\n')}`;
    }
    process.stderr.write(`${text}\n`);
  };
  return {
    debug() {},
    info() {},
    warn: (message, ...details) => line(colors.yellow('!'), message, details),
    error: (message, ...details) => line(colors.red('✗'), message, details),
  };
}

type Print = (event: string, text: string, fields?: Record<string, unknown>) => void;

function printer(options: RunOptions): Print {
  return (event, text, fields = {}) => {
    if (options.json === true) println(JSON.stringify({ event, at: new Date().toISOString(), ...fields }));
    else if (options.quiet !== true) println(`${colors.dim(new Date().toISOString())} ${text}`);
  };
}

/** Prints what a person running a scheduler wants to see: that it started, and each run's end. */
function report(scheduler: Scheduler, print: Print, options: RunOptions, where: string): void {
  const id = (jobId: string) => colors.cyan(jobId);
  scheduler.on('scheduler_started', () => {
    void scheduler.getJobs().then(
      (jobs) => {
        const count = `${jobs.length} job${jobs.length === 1 ? '' : 's'}`;
        print(
          'started',
          `Scheduler running with ${count}${where === '' ? '' : ` ${where}`}. Press Ctrl-C to stop.`,
          {
            jobs: jobs.length,
          },
        );
      },
      (error: unknown) => print('started', `Scheduler running (jobs not listed: ${errorLine(error)})`),
    );
  });
  scheduler.on('job_executed', (event) => {
    const ms = event.finishedAt.getTime() - event.startedAt.getTime();
    print('job_executed', `${colors.green('✓')} ${id(event.jobId)} ran in ${formatDuration(ms)}`, {
      jobId: event.jobId,
      scheduledRunTime: event.scheduledRunTime.toISOString(),
      durationMs: ms,
    });
  });
  // In text, a failed run is told by the scheduler's own log line (see runLogger), not twice.
  scheduler.on('job_error', (event) => {
    if (options.json !== true) return;
    print('job_error', '', {
      jobId: event.jobId,
      scheduledRunTime: event.scheduledRunTime.toISOString(),
      timedOut: event.timedOut,
      error: errorLine(event.exception),
    });
  });
  scheduler.on('job_missed', (event) => {
    print(
      'job_missed',
      `${colors.yellow('!')} ${id(event.jobId)} missed its run of ${event.scheduledRunTime.toISOString()}`,
      {
        jobId: event.jobId,
        scheduledRunTime: event.scheduledRunTime.toISOString(),
      },
    );
  });
}

/**
 * `Scheduler.run` drains on the first SIGINT or SIGTERM; this says so, and makes a second signal
 * stop the process at once (exit 130) for someone who will not wait. Returns the remover.
 */
function onSignals(print: Print): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      print('stopping', `${signal}: stopping after the running jobs finish (send it again to stop now)`, {
        signal,
      });
      return;
    }
    process.stderr.write(`horae: ${signal} again: stopping now, without waiting for running jobs\n`);
    process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
