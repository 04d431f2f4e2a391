// `horae next`: the next fire times of any trigger, with its description. No store needed.
import type { Command } from 'commander';
import { MAX_PREVIEW_COUNT, nextFireTimes } from '../../scheduler/previews.js';
import { parseDateInput } from '../../time/parse.js';
import { describeTrigger } from '../../triggers/describe.js';
import { examples, integerBetween, triggerOptions } from '../options.js';
import { colors, formatFireTime, printJson, println } from '../output.js';
import { triggerFromFlags, zoneOf, type TriggerFlags } from '../trigger-input.js';

interface NextOptions extends TriggerFlags {
  count: number;
  from?: string;
  json?: boolean;
}

export function registerNext(program: Command): void {
  const command = program
    .command('next')
    .summary("preview a trigger's next fire times")
    .description(
      'Print the next fire times of a trigger and what it means in words: the quickest way to ' +
        'check a cron line. Times are shown in --tz (default: the system zone).',
    )
    .argument('[cron]', "crontab expression, such as '0 9 * * mon-fri' (or use --interval, --date)");
  triggerOptions(command)
    .option(
      '-n, --count <n>',
      `how many fire times (1 to ${MAX_PREVIEW_COUNT})`,
      integerBetween(1, MAX_PREVIEW_COUNT),
      10,
    )
    .option('--from <time>', 'preview from this time instead of now')
    .option('--json', 'print JSON instead of text, for scripts')
    .action((cron: string | undefined, options: NextOptions) => next(cron, options));
  examples(command, [
    "horae next '0 9 * * mon-fri' --tz Asia/Shanghai -n 10",
    "horae next '0 0 L * *'",
    'horae next --interval 90m --start "2026-12-07 08:00"',
    "horae next '@daily' --json",
  ]);
}

function next(cron: string | undefined, options: NextOptions): void {
  const trigger = triggerFromFlags(options, cron);
  const zone = zoneOf(options);
  const from = options.from === undefined ? new Date() : parseDateInput(options.from, zone, '--from');
  const times = nextFireTimes(trigger, options.count, from, null);
  const description = describeTrigger(trigger);
  if (options.json === true) {
    printJson({
      description,
      timezone: zone,
      trigger: trigger.toJSON(),
      times: times.map((t) => t.toISOString()),
    });
    return;
  }
  println(colors.bold(description));
  if (times.length === 0) println(colors.yellow('  never fires again'));
  for (const time of times) println(`  ${formatFireTime(time, zone)}`);
  if (times.length < options.count && times.length > 0) println(colors.dim('  (no more fire times)'));
}
