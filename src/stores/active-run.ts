import { SerializationError } from '../errors.js';
import { deserializeJob, serializeJob, type SerializedJob } from './job-serializer.js';
import type { ActiveRun, NodeRecord, NodeRole, RunRecord } from './job-store.js';
import { TimedRunRecord } from './run-record.js';

/**
 * The stored forms of runs in progress (`ActiveRun`) and of nodes (`NodeRecord`), the same in every
 * persistent store: JSON text, times as epoch ms, with a version of its own so processes of two
 * Horae versions can share a store while they are upgraded one by one. A store keeps what it must
 * query (holder, lease end, job id, creation time) in columns or keys of its own beside this text.
 */

/** The stored form of an `ActiveRun`. */
interface StoredActiveRun {
  version: 1;
  id: string;
  job: SerializedJob;
  scheduledRunTimes: number[];
  node: string | null;
  leaseUntil: number | null;
  manual: boolean;
  recovery: boolean;
  createdAt: number;
}

/** The stored form of a `NodeRecord`. */
interface StoredNode {
  version: 1;
  id: string;
  role: NodeRole;
  hostname: string;
  pid: number;
  startedAt: number;
  lastHeartbeat: number;
  expiresAt: number;
  executors: string[];
}

const ROLES: readonly unknown[] = ['both', 'scheduler', 'worker', 'client'] satisfies NodeRole[];

/** A run as JSON text. Throws `SerializationError` when its job cannot be stored (`serializeJob`). */
export function serializeActiveRun(run: ActiveRun): string {
  const stored: StoredActiveRun = {
    version: 1,
    id: run.id,
    job: serializeJob(run.job),
    scheduledRunTimes: run.scheduledRunTimes.map((time) => time.getTime()),
    node: run.node,
    leaseUntil: run.leaseUntil?.getTime() ?? null,
    manual: run.manual,
    recovery: run.recovery,
    createdAt: run.createdAt.getTime(),
  };
  return JSON.stringify(stored);
}

/**
 * Reads a run `serializeActiveRun` wrote. Throws `SerializationError` for text that is not one, or
 * whose job cannot be read. A store that keeps the holder and lease in columns of their own passes
 * them as `holder`, so the text need not be rewritten when they change.
 */
export function deserializeActiveRun(
  text: unknown,
  holder?: { node: string | null; leaseUntil: Date | null },
): ActiveRun {
  const stored = parseObject(text, 'run') as Partial<StoredActiveRun>;
  if (stored.version !== 1) {
    throw new SerializationError(
      `Stored run has version ${String(stored.version)}; this Horae reads version 1`,
    );
  }
  const { id, scheduledRunTimes, createdAt } = stored;
  if (
    typeof id !== 'string' ||
    !Array.isArray(scheduledRunTimes) ||
    !scheduledRunTimes.every((time) => typeof time === 'number') ||
    typeof createdAt !== 'number'
  ) {
    throw new SerializationError('Stored run lacks a string id, numeric run times or a creation time');
  }
  return {
    id,
    job: deserializeJob(stored.job),
    scheduledRunTimes: scheduledRunTimes.map((time) => new Date(time)),
    node: holder === undefined ? (stored.node ?? null) : holder.node,
    leaseUntil:
      holder === undefined
        ? typeof stored.leaseUntil === 'number'
          ? new Date(stored.leaseUntil)
          : null
        : holder.leaseUntil,
    manual: stored.manual === true,
    recovery: stored.recovery === true,
    createdAt: new Date(createdAt),
  };
}

/** A node as JSON text. */
export function serializeNode(node: NodeRecord): string {
  const stored: StoredNode = {
    version: 1,
    id: node.id,
    role: node.role,
    hostname: node.hostname,
    pid: node.pid,
    startedAt: node.startedAt.getTime(),
    lastHeartbeat: node.lastHeartbeat.getTime(),
    expiresAt: node.expiresAt.getTime(),
    executors: [...node.executors],
  };
  return JSON.stringify(stored);
}

/** Reads a node `serializeNode` wrote. Throws `SerializationError` for text that is not one. */
export function deserializeNode(text: unknown): NodeRecord {
  const stored = parseObject(text, 'node') as Partial<StoredNode>;
  if (stored.version !== 1) {
    throw new SerializationError(
      `Stored node has version ${String(stored.version)}; this Horae reads version 1`,
    );
  }
  const { id, role, startedAt, lastHeartbeat, expiresAt } = stored;
  if (
    typeof id !== 'string' ||
    !ROLES.includes(role) ||
    typeof startedAt !== 'number' ||
    typeof lastHeartbeat !== 'number' ||
    typeof expiresAt !== 'number'
  ) {
    throw new SerializationError('Stored node lacks a string id, a known role or its times');
  }
  return {
    id,
    role: role as NodeRole,
    hostname: String(stored.hostname ?? ''),
    pid: typeof stored.pid === 'number' ? stored.pid : 0,
    startedAt: new Date(startedAt),
    lastHeartbeat: new Date(lastHeartbeat),
    expiresAt: new Date(expiresAt),
    executors: Array.isArray(stored.executors) ? stored.executors.map(String) : [],
  };
}

function parseObject(text: unknown, what: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch (cause) {
    throw new SerializationError(`Stored ${what} is not valid JSON`, { cause });
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw new SerializationError(`Stored ${what} is not a JSON object`);
  }
  return parsed;
}

/** A copy of `run` that shares no mutable part with it (a store hands out copies, as of jobs). */
export function copyActiveRun(run: ActiveRun, changes?: Partial<ActiveRun>): ActiveRun {
  return {
    ...run,
    job: { ...run.job, args: [...run.job.args] },
    scheduledRunTimes: run.scheduledRunTimes.map((time) => new Date(time.getTime())),
    leaseUntil: run.leaseUntil === null ? null : new Date(run.leaseUntil.getTime()),
    createdAt: new Date(run.createdAt.getTime()),
    ...changes,
  };
}

/** A copy of `node` that shares no mutable part with it. */
export function copyNode(node: NodeRecord): NodeRecord {
  return {
    ...node,
    startedAt: new Date(node.startedAt.getTime()),
    lastHeartbeat: new Date(node.lastHeartbeat.getTime()),
    expiresAt: new Date(node.expiresAt.getTime()),
    executors: [...node.executors],
  };
}

/**
 * The run records of an interrupted run (`JobStore.takeInterruptedRuns`): one `interrupted` record
 * per run time, under the id of the node that held it, with no start or end time (it may have
 * finished without its record, or never started).
 */
export function interruptedRecords(run: ActiveRun): RunRecord[] {
  const node = run.node ?? 'unknown';
  return run.scheduledRunTimes.map(
    (time) =>
      new TimedRunRecord(run.job.id, time.getTime(), NaN, NaN, 'interrupted', null, null, node, run.manual),
  );
}
