// The nodes of a store and its runs in progress, as the admin API returns them and the Nodes page
// shows them.
import { hostname } from 'node:os';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { ActiveRun, NodeRecord } from '../stores/job-store.js';

/** A live node (`Scheduler.getNodes`). Times are ISO strings. */
export interface NodeView {
  id: string;
  role: NodeRecord['role'];
  hostname: string;
  pid: number;
  startedAt: string;
  lastHeartbeat: string;
  expiresAt: string;
  executors: string[];
  /** How many runs in progress it holds. */
  heldRuns: number;
  /** The node is a scheduler in the process serving this page (same host and pid). */
  thisProcess: boolean;
}

/**
 * A run in progress (`Scheduler.getActiveRuns`): `held` by a node (queued in its executor or
 * running) or `waiting` for a worker node. Its job by id and name only: the stored job's args may
 * hold secrets, and the job's own page shows them when `showArgs` allows.
 */
export interface ActiveRunView {
  id: string;
  jobId: string;
  jobName: string;
  jobStore: string;
  executor: string;
  state: 'held' | 'waiting';
  node: string | null;
  /** Whether the holder is among the live nodes; `null` while the run waits. */
  nodeLive: boolean | null;
  leaseUntil: string | null;
  scheduledRunTimes: string[];
  manual: boolean;
  recovery: boolean;
  /** When the run was stored: in progress since then. */
  createdAt: string;
}

/** What the Nodes page and the two API routes show of one store. */
export interface ClusterView {
  jobStore: string;
  nodes: NodeView[];
  runs: ActiveRunView[];
}

/** The nodes and runs in progress of store `jobStore` (`LookupError`, a 400, for an unknown one). */
export async function clusterView(scheduler: Scheduler, jobStore: string): Promise<ClusterView> {
  const [nodes, runs] = await Promise.all([
    scheduler.getNodes({ jobStore }),
    scheduler.getActiveRuns({ jobStore }),
  ]);
  const live = new Set(nodes.map((node) => node.id));
  const host = hostname();
  return {
    jobStore,
    nodes: nodes.map((node) => ({
      id: node.id,
      role: node.role,
      hostname: node.hostname,
      pid: node.pid,
      startedAt: node.startedAt.toISOString(),
      lastHeartbeat: node.lastHeartbeat.toISOString(),
      expiresAt: node.expiresAt.toISOString(),
      executors: [...node.executors],
      heldRuns: runs.filter((run) => run.node === node.id).length,
      thisProcess: node.pid === process.pid && node.hostname === host,
    })),
    runs: runs.map((run) => activeRunView(run, jobStore, live)),
  };
}

function activeRunView(run: ActiveRun, jobStore: string, live: ReadonlySet<string>): ActiveRunView {
  return {
    id: run.id,
    jobId: run.job.id,
    jobName: run.job.name,
    jobStore,
    executor: run.job.executor,
    state: run.node === null ? 'waiting' : 'held',
    node: run.node,
    nodeLive: run.node === null ? null : live.has(run.node),
    leaseUntil: run.leaseUntil?.toISOString() ?? null,
    scheduledRunTimes: run.scheduledRunTimes.map((time) => time.toISOString()),
    manual: run.manual,
    recovery: run.recovery,
    createdAt: run.createdAt.toISOString(),
  };
}
