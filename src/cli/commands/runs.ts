// `horae runs ID`: a job's run history, newest first.
import type { Command } from 'commander';
import { DISPLAY_ZONE, examples, integerBetween, storeOptions } from '../options.js';
import { colors, paintOutcome, printJson, println, table } from '../output.js';
import { withStore, type StoreOptions } from '../store-session.js';
import { zoneOf } from '../trigger-input.js';
import { RUN_HEADINGS, runJson, runRow } from '../views.js';

interface RunsOptions extends StoreOptions {
  json?: boolean;
  limit: number;
  tz?: string;
}

export function registerRuns(program: Command): void {
  const command = storeOptions(
    program
      .command('runs')
      .summary("show a job's run history")
      .description(
        'Show the run history of a job, newest first: when each run was due, how it ended, how long ' +
          'it took, and its error or return value. Records outlive their job.',
      )
      .argument('<id>', 'job id'),
  )
    .option('-n, --limit <n>', 'how many runs (1 to 10000)', integerBetween(1, 10_000), 20)
    .option(...DISPLAY_ZONE)
    .action((id: string, options: RunsOptions) => showRuns(id, options));
  examples(command, ['horae runs nightly-report', 'horae runs nightly-report -n 100 --json']);
}

async function showRuns(id: string, options: RunsOptions): Promise<void> {
  const zone = zoneOf(options);
  const runs = await withStore(options, (scheduler) => scheduler.getRuns(id, { limit: options.limit }));
  if (options.json === true) {
    printJson(runs.map(runJson));
    return;
  }
  if (runs.length === 0) {
    println(colors.dim(`No runs of "${id}" on record.`));
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
    println(line);
}
