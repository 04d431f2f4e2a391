// `horae nodes`: the live scheduler processes (nodes) sharing a store, and the runs each holds.
import type { Command } from 'commander';
import { DISPLAY_ZONE, examples, storeOptions } from '../options.js';
import { colors, formatDuration, formatTime, printJson, println, table } from '../output.js';
import { CLI_NODE_ID, withStore, type StoreOptions } from '../store-session.js';
import { zoneOf } from '../trigger-input.js';
import { heldRuns, nodeJson } from '../views.js';

interface NodesOptions extends StoreOptions {
  json?: boolean;
  tz?: string;
}

export function registerNodes(program: Command): void {
  const command = storeOptions(
    program
      .command('nodes')
      .summary('list the live scheduler nodes on a store')
      .description(
        'List the scheduler processes (nodes) whose heartbeat is live in a store: id, role, host, ' +
          'pid, start, last heartbeat, the runs each holds and the executors it runs jobs on. A node ' +
          'that stops heartbeating drops out once its lease ends; this command itself is left out.',
      ),
  )
    .option(...DISPLAY_ZONE)
    .action((options: NodesOptions) => listNodes(options));
  examples(command, ['horae nodes --store postgres://app@db/app', 'horae nodes --json | jq ".[].id"']);
}

async function listNodes(options: NodesOptions): Promise<void> {
  const zone = zoneOf(options);
  const { nodes, runs } = await withStore(options, async (scheduler) => ({
    nodes: (await scheduler.getNodes()).filter((node) => node.id !== CLI_NODE_ID),
    runs: await scheduler.getActiveRuns(),
  }));
  const held = heldRuns(runs);
  if (options.json === true) {
    printJson(nodes.map((node) => nodeJson(node, held.get(node.id) ?? 0)));
    return;
  }
  if (nodes.length === 0) {
    println(colors.dim('No live nodes: no scheduler is heartbeating in this store.'));
    return;
  }
  const now = Date.now();
  const rows = nodes.map((node) => [
    node.id,
    node.role,
    node.hostname,
    String(node.pid),
    formatTime(node.startedAt, zone),
    `${formatDuration(Math.max(0, now - node.lastHeartbeat.getTime()))} ago`,
    String(held.get(node.id) ?? 0),
    node.executors.length === 0 ? '-' : node.executors.join(', '),
  ]);
  const columns = [
    { heading: 'ID', paint: colors.cyan },
    { heading: 'ROLE' },
    { heading: 'HOST' },
    { heading: 'PID' },
    { heading: 'STARTED' },
    { heading: 'LAST HEARTBEAT' },
    { heading: 'RUNS' },
    { heading: 'EXECUTORS', paint: colors.dim },
  ];
  for (const line of table(columns, rows)) println(line);
  println(colors.dim(`${nodes.length} node${nodes.length === 1 ? '' : 's'}`));
}
