// Options several commands share, so each is spelled and explained the same everywhere.
import { InvalidArgumentError as CommanderArgumentError, type Command } from 'commander';

/** `--store <url>` and `--json`, for every command that works on a store. */
export function storeOptions(command: Command): Command {
  return command
    .option('-s, --store <url>', 'job store URL (default: $HORAE_STORE)')
    .option('--json', 'print JSON instead of a table, for scripts');
}

/** `--tz` for commands that print times: the zone they are shown in. */
export const DISPLAY_ZONE = ['--tz <zone>', 'time zone to show times in (default: the system zone)'] as const;

/** `--base-dir`, for commands that import job functions (their references resolve from it). */
export function baseDirOption(command: Command): Command {
  return command.option(
    '--base-dir <dir>',
    'directory that relative job references resolve from (default: the working directory)',
  );
}

/** The trigger flags (see `triggerFromFlags`). */
export function triggerOptions(command: Command): Command {
  return command
    .option('--cron <expression>', "crontab expression, such as '0 9 * * mon-fri' or '@daily'")
    .option('--interval <duration>', 'fixed interval, such as 30s, 5m, 1h30m or 2d')
    .option('--date <time>', "one run at a time, such as '2026-12-24 18:00' or an ISO 8601 string")
    .option('--tz <zone>', 'IANA time zone the times are read in (default: the system zone)')
    .option('--start <time>', 'first possible fire time (cron and interval)')
    .option('--end <time>', 'last possible fire time (cron and interval)');
}

/** An argument parser for a whole number from `min` to `max`; commander reports a bad one (exit 2). */
export function integerBetween(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new CommanderArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return number;
  };
}

/** Examples at the end of a command's help. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`);
}
