// `horae runs`: the runs in progress in a store; `horae runs ID`: a job's run history, newest first.
import type { Command } from 'commander';
import type { ActiveRun } from '../../stores/job-store.js';
import { DISPLAY_ZONE, examples, integerBetween, storeOptions } from '../options.js';
import { colors, formatTime, paintOutcome, printJson, println, table } from '../output.js';
import { withStore, type StoreOptions } from '../store-session.js';
import { zoneOf } from '../trigger-input.js';
import { activeRunJson, RUN_HEADINGS, runJson, runRow } from '../views.js';

interface RunsOptions extends StoreOptions {
  json?: boolean;
  limit: number;
  tz?: string;
}

export function registerRuns(program: Command): void {
  const command = storeOptions(
    program
      .command('runs')
      .summary("list the runs in progress, or show a job's run history")
      .description(
        'Without a job id: the runs in progress in the store, each held by the node running it (or ' +
          'queued in its executor) or waiting for a worker node, with the node and since when. ' +
          'With a job id: its run history, newest first: when each run was due, how it ended ' +
          '(interrupted: its node stopped heartbeating during the run), how long it took, and its ' +
          'error or return value. Records outlive their job.',
      )
      .argument('[id]', 'job id: show its run history'),
  )
    .option('-n, --limit <n>', 'how many past runs (1 to 10000)', integerBetween(1, 10_000), 20)
    .option(...DISPLAY_ZONE)
    .action((id: string | undefined, options: RunsOptions) =>
      id === undefined ? showActiveRuns(options) : showRuns(id, options),
    );
  examples(command, [
    'horae runs --store postgres://app@db/app',
    'horae runs nightly-report',
    'horae runs nightly-report -n 100 --json',
  ]);
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

async function showActiveRuns(options: RunsOptions): Promise<void> {
  const zone = zoneOf(options);
  const { runs, live } = await withStore(options, async (scheduler) => ({
    runs: await scheduler.getActiveRuns(),
    live: new Set((await scheduler.getNodes()).map((node) => node.id)),
  }));
  if (options.json === true) {
    printJson(runs.map((run) => activeRunJson(run, live)));
    return;
  }
  if (runs.length === 0) {
    println(colors.dim('No runs in progress.'));
    return;
  }
  const columns = [
    { heading: 'JOB', paint: colors.cyan },
    { heading: 'STATE', paint: (cell: string) => (cell.includes('gone') ? colors.red(cell) : cell) },
    { heading: 'NODE' },
    { heading: 'SINCE' },
    { heading: 'SCHEDULED' },
  ];
  const rows = runs.map((run) => [
    run.job.id,
    stateOf(run, live),
    run.node ?? '-',
    formatTime(run.createdAt, zone),
    scheduledOf(run, zone),
  ]);
  for (const line of table(columns, rows)) println(line);
  const waiting = runs.filter((run) => run.node === null).length;
  println(
    colors.dim(
      `${runs.length} run${runs.length === 1 ? '' : 's'} in progress: ${runs.length - waiting} held, ${waiting} waiting`,
    ),
  );
}

/** `held`, `waiting`, `held (node gone)` for a holder that no longer beats, and how the run began. */
function stateOf(run: ActiveRun, live: ReadonlySet<string>): string {
  const state = run.node === null ? 'waiting' : live.has(run.node) ? 'held' : 'held (node gone)';
  const how = [run.manual ? 'manual' : '', run.recovery ? 'recovery' : ''].filter((word) => word !== '');
  return how.length === 0 ? state : `${state}, ${how.join(', ')}`;
}

/** The run's first scheduled time, and how many more a catch-up holds. */
function scheduledOf(run: ActiveRun, zone: string): string {
  const [first] = run.scheduledRunTimes;
  if (first === undefined) return '-';
  const more = run.scheduledRunTimes.length - 1;
  return more === 0 ? formatTime(first, zone) : `${formatTime(first, zone)} (+${more} more)`;
}
