// What `horae doctor` finds in the cluster half of a store: the live nodes, the runs of nodes that
// stopped heartbeating, and the runs waiting for a worker that no live node can take.
import type { JobInterruptedEvent } from '../../events/events.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { colors, formatTime, println } from '../output.js';
import { CLI_NODE_ID } from '../store-session.js';
import { heldRuns, nodeJson, type NodeJson } from '../views.js';
import { workersFor } from './job-hand-over.js';

/** The doctor's report on the cluster (the rest of `horae doctor --json`'s report beside it). */
export interface ClusterFindings {
  /** The live nodes (this check's own left out), each with the number of runs it holds; `null` unread. */
  nodes: NodeJson[] | null;
  /**
   * Runs held by nodes that stopped heartbeating: `interrupted` when this check's own heartbeat
   * found the lease ended and recorded the run as interrupted (`recovered`: it runs once more),
   * `held` when the node is gone but the run's lease has not ended yet.
   */
  deadNodeRuns: {
    jobId: string;
    node: string;
    scheduledRunTimes: string[];
    state: 'interrupted' | 'held';
    recovered: boolean;
    leaseUntil: string | null;
  }[];
  /** Runs waiting for a worker node when no live node runs their job's executor. */
  stranded: { runId: string; jobId: string; executor: string; since: string }[];
}

type DeadNodeRun = ClusterFindings['deadNodeRuns'][number];

/** A run this check's own heartbeat recorded as interrupted (`job_interrupted` during `start()`). */
export function interruptedRun(event: JobInterruptedEvent): DeadNodeRun {
  return {
    jobId: event.jobId,
    node: event.interruptedNode,
    scheduledRunTimes: event.scheduledRunTimes.map((time) => time.toISOString()),
    state: 'interrupted',
    recovered: event.recovered,
    leaseUntil: null,
  };
}

/**
 * Reads the live nodes and the runs in progress into `findings` (beside the interrupted runs it
 * already holds) and returns the problems: each run of a dead node, each stranded run.
 */
export async function examineCluster(scheduler: Scheduler, findings: ClusterFindings): Promise<string[]> {
  const nodes = (await scheduler.getNodes()).filter((node) => node.id !== CLI_NODE_ID);
  const runs = await scheduler.getActiveRuns();
  const held = heldRuns(runs);
  findings.nodes = nodes.map((node) => nodeJson(node, held.get(node.id) ?? 0));
  const live = new Set(nodes.map((node) => node.id));
  for (const run of runs) {
    if (run.node !== null && !live.has(run.node)) {
      findings.deadNodeRuns.push({
        jobId: run.job.id,
        node: run.node,
        scheduledRunTimes: run.scheduledRunTimes.map((time) => time.toISOString()),
        state: 'held',
        recovered: false,
        leaseUntil: run.leaseUntil?.toISOString() ?? null,
      });
    } else if (run.node === null && workersFor(nodes, run.job.executor).length === 0) {
      findings.stranded.push({
        runId: run.id,
        jobId: run.job.id,
        executor: run.job.executor,
        since: run.createdAt.toISOString(),
      });
    }
  }
  return [
    ...findings.deadNodeRuns.map(deadNodeProblem),
    ...findings.stranded.map(
      (run) =>
        `a run of job ${run.jobId} waits for a worker of executor "${run.executor}", and no live node runs it`,
    ),
  ];
}

function deadNodeProblem(run: DeadNodeRun): string {
  const what = `a run of job ${run.jobId} (due ${run.scheduledRunTimes.join(', ')})`;
  if (run.state === 'held') {
    return `${what} is held by node ${run.node}, which stopped heartbeating; it is recorded as interrupted once its lease ends`;
  }
  const again = run.recovered ? '; it runs once more, as the job asks' : '';
  return `${what} was interrupted: node ${run.node} stopped heartbeating during it${again}`;
}

/** The nodes line of the doctor's text, and a line for each live node. */
export function printNodes(findings: ClusterFindings, zone: string): void {
  const { nodes } = findings;
  if (nodes === null) return;
  if (nodes.length === 0) {
    println(`${colors.dim('·')} nodes     none live: no scheduler is heartbeating in this store`);
    return;
  }
  println(`${colors.green('✓')} nodes     ${nodes.length} live`);
  for (const node of nodes) {
    const runs = node.heldRuns === 0 ? '' : `, ${node.heldRuns} run${node.heldRuns === 1 ? '' : 's'}`;
    println(
      `            ${colors.cyan(node.id)} (${node.role}${runs}) on ${node.hostname}, since ${formatTime(node.startedAt, zone)}`,
    );
  }
}

/** A line for each run of a dead node and each stranded run. */
export function printClusterFindings(findings: ClusterFindings, zone: string): void {
  const bad = colors.red('✗');
  for (const run of findings.deadNodeRuns) {
    const due = run.scheduledRunTimes.map((time) => formatTime(new Date(time), zone)).join(', ');
    const what =
      run.state === 'held'
        ? `held by node ${run.node}, which stopped heartbeating (lease ends ${formatTime(new Date(run.leaseUntil ?? 0), zone)})`
        : `interrupted: node ${run.node} stopped heartbeating during it${run.recovered ? '; it runs once more' : ''}`;
    println(`${bad} run       ${colors.cyan(run.jobId)} due ${due} ${what}`);
  }
  for (const run of findings.stranded) {
    println(
      `${bad} waiting   ${colors.cyan(run.jobId)} since ${formatTime(new Date(run.since), zone)}: ` +
        `no live node runs executor "${run.executor}"`,
    );
  }
}
