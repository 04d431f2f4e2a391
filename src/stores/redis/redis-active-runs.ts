import {
  deserializeActiveRun,
  deserializeNode,
  interruptedRecords,
  serializeActiveRun,
  serializeNode,
} from '../active-run.js';
import { compareIds } from '../job-order.js';
import type {
  ActiveRun,
  InterruptedRun,
  JobRelease,
  NodeRecord,
  ReleaseResult,
  RunRecord,
} from '../job-store.js';
import { RUN_SCRIPTS } from './redis-run-scripts.js';
import { runRecordArgs, runRecordChunks, SCRIPTS, type LuaScript } from './redis-scripts.js';

/** How long a stored job or run this process cannot read is set aside before it is tried (and reported) again. */
export const UNREADABLE_RETRY_MS = 60_000;

/** What `RedisActiveRuns` needs of its store. */
export interface RedisRunsHost {
  /** Runs one of the store's scripts on its keys (the key prefix goes first in ARGV). */
  script(operation: string, script: LuaScript, ...args: (string | number)[]): Promise<unknown>;
  /** Reports a stored run this process cannot read; `jobId` is its job's, when the store knows it. */
  unreadableRun(runId: string, jobId: string | null, error: unknown): void;
  /** Reports a stored node this process cannot read. */
  unreadableNode(nodeId: string, error: unknown): void;
}

/** A stored run as the scripts read it (`readRun` in `redis-run-scripts.ts`): seven values. */
const RUN_VALUES = 7;

type Read = { id: string; jobId: string | null } & ({ run: ActiveRun } | { error: unknown });

/**
 * The cluster half of `RedisJobStore`: runs kept from claim to outcome, node heartbeats and
 * interrupted runs, each call one script (`redis-run-scripts.ts`), and two for a take of
 * interrupted runs, since only this process can tell whether it can read a run before it deletes
 * it. A run this process cannot read is reported, skipped and kept: set aside for
 * `UNREADABLE_RETRY_MS` when it was being taken, so no call spins on it.
 */
export class RedisActiveRuns {
  constructor(private readonly host: RedisRunsHost) {}

  async release(schedulerId: string, releases: JobRelease[], runs: ActiveRun[]): Promise<ReleaseResult> {
    if (releases.length === 0 && runs.length === 0) return { lost: [], refused: [] };
    const args: (string | number)[] = [schedulerId, releases.length];
    for (const release of releases) {
      args.push(
        release.id,
        timeArg(release.nextRunTime),
        timeArg(release.nextFireTime),
        release.remove ? '1' : '0',
      );
    }
    for (const run of runs) args.push(...runArgs(run));
    const [lost, refused] = (await this.host.script('release jobs', RUN_SCRIPTS.release, ...args)) as [
      string[],
      string[],
    ];
    return { lost, refused };
  }

  async acquire(
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    const wanted = [...new Set(executors)];
    if (limit <= 0 || wanted.length === 0) return [];
    const nowMs = now.getTime();
    const flat = await this.host.script(
      'acquire runs',
      RUN_SCRIPTS.acquireRuns,
      node,
      nowMs,
      nowMs + leaseMs,
      limit,
      ...wanted,
    );
    const runs: ActiveRun[] = [];
    const unreadable: string[] = [];
    for (const read of this.read(flat)) {
      if ('run' in read) runs.push(read.run);
      else {
        unreadable.push(read.id);
        this.host.unreadableRun(read.id, read.jobId, read.error);
      }
    }
    if (unreadable.length > 0) {
      const until = nowMs + Math.max(leaseMs, UNREADABLE_RETRY_MS);
      await this.host.script('park unreadable runs', RUN_SCRIPTS.parkRuns, node, until, ...unreadable);
    }
    return runs;
  }

  async finish(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void> {
    const [first = [], ...rest] = runRecordChunks(records, retention);
    if (runIds.length > 0 || first.length > 0) {
      await this.host.script('finish runs', RUN_SCRIPTS.finishRuns, node, runIds.length, ...runIds, ...first);
    }
    for (const chunk of rest) await this.host.script('record runs', SCRIPTS.addRuns, ...chunk);
  }

  async heartbeat(node: NodeRecord, now: Date, leaseMs: number): Promise<void> {
    const nowMs = now.getTime();
    const stored = serializeNode({
      ...node,
      lastHeartbeat: new Date(nowMs),
      expiresAt: new Date(nowMs + leaseMs),
    });
    await this.host.script('beat', RUN_SCRIPTS.heartbeat, node.id, stored, nowMs + leaseMs, nowMs - leaseMs);
  }

  async removeNode(id: string): Promise<void> {
    await this.host.script('remove node', RUN_SCRIPTS.removeNode, id);
  }

  async getNodes(now: Date): Promise<NodeRecord[]> {
    const flat = (await this.host.script('list nodes', RUN_SCRIPTS.getNodes, now.getTime())) as (
      string | null
    )[];
    const nodes: NodeRecord[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i] as string;
      try {
        nodes.push(deserializeNode(flat[i + 1]));
      } catch (error) {
        this.host.unreadableNode(id, error);
      }
    }
    return nodes.sort((a, b) => compareIds(a.id, b.id));
  }

  /** See `JobStore.takeInterruptedRuns`: the runs' `interrupted` records go in the script that takes them. */
  async takeInterrupted(now: Date, limit: number, retention: number): Promise<InterruptedRun[]> {
    if (limit <= 0) return [];
    const nowMs = now.getTime();
    const reads = this.read(
      await this.host.script('read interrupted runs', RUN_SCRIPTS.readInterrupted, nowMs, limit),
    );
    if (reads.length === 0) return [];
    const readable = new Map<string, ActiveRun>();
    const unreadable = new Map<string, Read & { error: unknown }>();
    for (const read of reads) {
      if ('run' in read) readable.set(read.id, read.run);
      else unreadable.set(read.id, read);
    }
    const toTake: (string | number)[] = [];
    for (const [id, run] of readable) {
      const records = retention > 0 ? runRecordArgs(interruptedRecords(run), retention) : [];
      toTake.push(id, run.node ?? '', records.length, ...records);
    }
    const [taken, parked] = (await this.host.script(
      'take interrupted runs',
      RUN_SCRIPTS.takeInterrupted,
      nowMs,
      nowMs + UNREADABLE_RETRY_MS,
      readable.size,
      ...toTake,
      ...unreadable.keys(),
    )) as [(string | null)[], string[]];
    // Reported once per park, by the caller that parked it.
    for (const id of parked) {
      const read = unreadable.get(id);
      if (read !== undefined) this.host.unreadableRun(id, read.jobId, read.error);
    }
    const interrupted: InterruptedRun[] = [];
    for (let i = 0; i < taken.length; i += 4) {
      const run = readable.get(taken[i] as string) as ActiveRun;
      interrupted.push({
        ...run,
        node: nodeOf(taken[i + 1] ?? null),
        leaseUntil: new Date(Number(taken[i + 2])),
        requeued: taken[i + 3] === '1',
      });
    }
    return interrupted;
  }

  async getActive(): Promise<ActiveRun[]> {
    const runs: ActiveRun[] = [];
    for (const read of this.read(await this.host.script('list runs', RUN_SCRIPTS.activeRuns))) {
      if ('run' in read) runs.push(read.run);
      else this.host.unreadableRun(read.id, read.jobId, read.error);
    }
    // The set orders equal creation times by bytes; the contract's order is `compareIds`.
    return runs.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareIds(a.id, b.id));
  }

  /** The runs of a script's reply (`readRun`), each read or with the error that stopped it. */
  private read(reply: unknown): Read[] {
    const flat = reply as (string | null)[];
    const reads: Read[] = [];
    for (let i = 0; i < flat.length; i += RUN_VALUES) {
      const [id, doc, node, lease, created, recovery, jobId] = flat.slice(i, i + RUN_VALUES) as [
        string,
        ...(string | null)[],
      ];
      try {
        const run = deserializeActiveRun(doc, {
          node: nodeOf(node ?? null),
          leaseUntil: lease === null || lease === undefined ? null : new Date(Number(lease)),
        });
        // Both change when a run is put back after an interruption; the text keeps the first ones.
        run.createdAt = new Date(Number(created));
        run.recovery = recovery === '1';
        reads.push({ id, jobId: jobId ?? null, run });
      } catch (error) {
        reads.push({ id, jobId: jobId ?? null, error });
      }
    }
    return reads;
  }
}

/**
 * A run as the release script stores it: id, job id, executor, maxInstances, recover, holder ('' while
 * it waits), lease end, creation time, recovery, text. A held run without a lease (which the
 * contract does not make) gets its creation time as lease end, so it cannot outlive its holder.
 */
function runArgs(run: ActiveRun): (string | number)[] {
  const { job } = run;
  return [
    run.id,
    job.id,
    job.executor,
    Number.isFinite(job.maxInstances) ? job.maxInstances : Number.MAX_SAFE_INTEGER,
    job.requestsRecovery === true ? '1' : '0',
    run.node ?? '',
    run.node === null ? '' : String((run.leaseUntil ?? run.createdAt).getTime()),
    String(run.createdAt.getTime()),
    run.recovery ? '1' : '0',
    serializeActiveRun(run),
  ];
}

function nodeOf(stored: string | null): string | null {
  return stored === null || stored === '' ? null : stored;
}

function timeArg(date: Date | null): string {
  return date === null ? 'null' : String(date.getTime());
}
