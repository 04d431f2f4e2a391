// `horae job add`: a job from a `module:export` reference and a trigger given by flags, or from a
// crontab line.
import type { Command } from 'commander';
import { FunctionResolver } from '../../scheduler/function-resolver.js';
import { CronTrigger } from '../../triggers/cron-trigger.js';
import type { Trigger } from '../../triggers/trigger.js';
import { CliUsageError } from '../cli-errors.js';
import { baseDirOption, examples, storeOptions, triggerOptions } from '../options.js';
import { colors, formatTime, printJson, println } from '../output.js';
import { withStore, type StoreOptions } from '../store-session.js';
import { splitCrontabLine, triggerFromFlags, zoneOf, type TriggerFlags } from '../trigger-input.js';
import { jobJson } from '../views.js';

interface AddOptions extends StoreOptions, TriggerFlags {
  json?: boolean;
  crontab?: string;
  id?: string;
  name?: string;
  args?: string;
  executor?: string;
  paused?: boolean;
  replace?: boolean;
  requestsRecovery?: boolean;
}

export function registerJobAdd(job: Command): void {
  const command = job
    .command('add')
    .summary('add a job')
    .description(
      'Add a job: a function given as a module:export reference (a package, an absolute path, or a ' +
        'path relative to --base-dir), and a trigger from --cron, --interval or --date, or a whole ' +
        'crontab line with --crontab. The reference is imported once to check it, from --base-dir; ' +
        'it is stored as given, so a scheduler resolves it from its own baseDir.',
    )
    .argument('[reference]', 'the job function, such as ./tasks/report.js:send');
  triggerOptions(baseDirOption(storeOptions(command)))
    .option('--crontab <line>', "a crontab line: schedule, then reference ('*/5 * * * * ./tasks.js:send')")
    .option('--id <id>', 'job id (default: a random UUID)')
    .option('--name <name>', 'job name (default: the export name)')
    .option('--args <json>', 'arguments the function is called with, as a JSON array')
    .option('--executor <alias>', 'executor alias of the scheduler that runs it (default: default)')
    .option('--paused', 'add the job paused')
    .option('--replace', 'replace a job with the same id instead of failing')
    .option(
      '--requests-recovery',
      'run it once more on another node when the node running it dies mid-run (default: report only)',
    )
    .action((reference: string | undefined, options: AddOptions) => add(reference, options));
  examples(command, [
    "horae job add ./tasks/report.js:send --cron '30 10 * * mon-fri' --tz Asia/Shanghai --id report",
    'horae job add ./tasks/weather.js:fetch --interval 15m --args \'["Beijing"]\'',
    "horae job add --crontab '0 3 * * * ./tasks/backup.js:run' --id backup --replace",
    "horae job add ./tasks/mail.js:send --date '2026-12-24 18:00' --tz Europe/Berlin",
  ]);
}

async function add(reference: string | undefined, options: AddOptions): Promise<void> {
  const { func, trigger } = jobOf(reference, options);
  const args = readArgs(options.args);
  // Imported once here to check it: the command's scheduler, a client, leaves functions to the
  // workers, and a typo should fail now rather than at the first run.
  await new FunctionResolver(() => options.baseDir ?? process.cwd()).resolve(func);
  const zone = zoneOf(options);
  const job = await withStore(options, (scheduler) =>
    scheduler.addJob(func, trigger, {
      ...(options.id === undefined ? {} : { id: options.id }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.executor === undefined ? {} : { executor: options.executor }),
      ...(options.paused === true ? { nextRunTime: null } : {}),
      ...(options.requestsRecovery === true ? { requestsRecovery: true } : {}),
      replaceExisting: options.replace === true,
      args,
    }),
  );
  if (options.json === true) {
    printJson(jobJson(job));
    return;
  }
  const next = job.nextRunTime === null ? 'paused' : `next run ${formatTime(job.nextRunTime, zone)}`;
  println(`Added job ${colors.cyan(job.id)} (${job.description}); ${next}`);
}

function jobOf(reference: string | undefined, options: AddOptions): { func: string; trigger: Trigger } {
  if (options.crontab === undefined) {
    if (reference === undefined) {
      throw new CliUsageError(
        'No job function given: pass a reference such as ./tasks.js:send, or --crontab',
        {
          field: 'reference',
        },
      );
    }
    return { func: reference, trigger: triggerFromFlags(options) };
  }
  const others = ['cron', 'interval', 'date'] as const;
  const clash = others.find((flag) => options[flag] !== undefined);
  if (reference !== undefined || clash !== undefined) {
    throw new CliUsageError(
      `--crontab holds both the schedule and the reference; drop ${clash === undefined ? reference : `--${clash}`}`,
      { field: 'crontab' },
    );
  }
  const { expression, reference: func } = splitCrontabLine(options.crontab);
  const window = {
    ...(options.start === undefined ? {} : { startDate: options.start }),
    ...(options.end === undefined ? {} : { endDate: options.end }),
  };
  return { func, trigger: CronTrigger.fromCrontab(expression, { timezone: zoneOf(options), ...window }) };
}

function readArgs(text: string | undefined): unknown[] {
  if (text === undefined) return [];
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch (cause) {
    throw new CliUsageError(
      `Invalid --args ${JSON.stringify(text)}: not JSON (${(cause as Error).message})`,
      {
        field: 'args',
        cause,
      },
    );
  }
  if (!Array.isArray(args)) {
    throw new CliUsageError(
      `Invalid --args ${JSON.stringify(text)}: expected a JSON array, such as '["Beijing", 3]'`,
      {
        field: 'args',
      },
    );
  }
  return args;
}
