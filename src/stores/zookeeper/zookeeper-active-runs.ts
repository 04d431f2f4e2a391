import { interruptedRecords, serializeActiveRun } from '../active-run.js';
import type { ActiveRun, InterruptedRun, RunRecord } from '../job-store.js';
import {
  ZK,
  ZkError,
  commitEach,
  isZk,
  lostRace,
  type KnownFolders,
  type TransactionPart,
  type ZkOp,
  type ZooKeeperConnection,
} from './zookeeper-connection.js';
import { parseEntry, runEntry, type Layout } from './zookeeper-layout.js';
import {
  RunIndex,
  byTime,
  chunk,
  compareRuns,
  entriesOf,
  parent,
  type Entry,
  type Instances,
  type Read,
  type ReportRun,
} from './zookeeper-run-index.js';
import { RUNS_PER_TRANSACTION, commitRecords, recordOps, trimRuns } from './zookeeper-runs.js';

/** Attempts of a write of runs that lost a race; each loss means another writer's write went through. */
const ATTEMPTS = 10;
/** Held runs a heartbeat moves per transaction (ZooKeeper bounds a request to 1 MB). */
const MOVES_PER_TRANSACTION = 1000;

/** A heartbeat's moves of its node's held runs: transactions to commit first, and the rest. */
export interface Moves {
  /** Committed one after the other before `final`, when the runs are too many for one request. */
  before: ZkOp[][];
  /** Ops for the heartbeat's own transaction. */
  final: ZkOp[];
  done(): void;
}

/**
 * Runs in progress (`ActiveRun`) in ZooKeeper: stored with the release that hands them on, handed
 * to workers, extended by heartbeats, finished, and taken when their holder's lease ran out (see the
 * layout in `zookeeper-layout.ts`). Every change of a run's state is one transaction that removes
 * its entry from one index and files it in another, so of two concurrent callers only one moves a
 * run. What this store wrote is remembered (`RunIndex`), so the common calls read nothing first.
 */
export class ActiveRuns {
  private readonly index: RunIndex;

  constructor(
    private readonly paths: Layout,
    private readonly folders: KnownFolders,
    report: ReportRun,
  ) {
    this.index = new RunIndex(paths, folders, report);
  }

  /**
   * The new runs of one job, for one transaction: each is stored while its job has fewer than its
   * `maxInstances` runs, counting those before it; the others are `refused` (read after `done`).
   */
  batch(jobId: string, runs: ActiveRun[]): TransactionPart & { readonly refused: string[] } {
    let fresh = false;
    let built: ZkOp[] = [];
    let planned: { instances: Instances; accepted: ActiveRun[]; held: Entry[] } | null = null;
    const plan = (instances: Instances) => {
      let stored = instances.runs.size;
      const accepted: ActiveRun[] = [];
      const refused: string[] = [];
      for (const run of runs) {
        if (stored < run.job.maxInstances) {
          accepted.push(run);
          stored++;
        } else refused.push(run.id);
      }
      return { accepted, refused };
    };
    const part = {
      refused: [] as string[],
      build: async (zk: ZooKeeperConnection): Promise<ZkOp[]> => {
        const cached = fresh ? undefined : this.index.instances.get(jobId);
        let instances = cached ?? (await this.index.readInstances(zk, jobId));
        let { accepted, refused } = plan(instances);
        // What this store wrote may count runs that ended since: a refusal is made on a fresh read.
        if (refused.length > 0 && cached !== undefined) {
          instances = await this.index.readInstances(zk, jobId);
          ({ accepted, refused } = plan(instances));
        }
        part.refused = refused;
        planned = null;
        built = [];
        if (accepted.length === 0) return built;
        const folder = this.paths.jobActive(jobId);
        // Setting the folder's data at the version read fails if anyone stored a run since.
        built.push(
          instances.version < 0
            ? { op: 'create', path: folder, data: '' }
            : { op: 'set', path: folder, data: '', version: instances.version },
        );
        const held: Entry[] = [];
        for (const run of accepted) {
          built.push({
            op: 'create',
            path: this.paths.activeRun(jobId, run.id),
            data: serializeActiveRun(run),
          });
          if (run.node === null) {
            const queue = this.paths.queue(run.job.executor);
            await this.folders.ensure(zk, queue);
            built.push({
              op: 'create',
              path: `${queue}/${runEntry(run.createdAt.getTime(), run.id, jobId)}`,
            });
          } else {
            const lease = run.leaseUntil?.getTime() ?? 0;
            const path = `${await this.index.groupFor(zk, run.node, lease)}/${runEntry(lease, run.id, jobId)}`;
            built.push({ op: 'create', path });
            held.push({ path, runId: run.id, jobId, node: run.node, time: lease });
          }
        }
        planned = { instances, accepted, held };
        return built;
      },
      retry: (error: ZkError, index: number): boolean => {
        fresh = true;
        this.index.instances.delete(jobId);
        const op = built[index];
        // A run id already stored: no fresh read changes that.
        if (op?.path.startsWith(`${this.paths.jobActive(jobId)}/`) && isZk(error, ZK.NODE_EXISTS))
          return false;
        if (op?.op === 'create' && isZk(error, ZK.NO_NODE)) this.index.forgetFolder(parent(op.path));
        return lostRace(error);
      },
      done: (): void => {
        if (planned === null) return;
        const { instances, accepted, held } = planned;
        const ids = new Set(instances.runs);
        for (const run of accepted) ids.add(run.id);
        this.index.rememberInstances(jobId, { version: instances.version + 1, runs: ids });
        for (const entry of held) this.index.rememberEntry(entry);
      },
    };
    return part;
  }

  /** Commits a batch of runs on its own (runs started by hand, with no release). */
  async store(zk: ZooKeeperConnection, part: TransactionPart): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const ops = await part.build(zk);
      if (ops.length === 0) return;
      try {
        await zk.commit(ops);
        part.done();
        return;
      } catch (error) {
        if (error instanceof ZkError && attempt < ATTEMPTS && part.retry(error, error.opIndex)) continue;
        throw error;
      }
    }
  }

  /** `JobStore.acquireRuns`: each run taken is one entry moved from its queue to `node`'s group. */
  async acquire(
    zk: ZooKeeperConnection,
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    if (limit <= 0) return [];
    const nowMs = now.getTime();
    const until = nowMs + leaseMs;
    const queues = [...new Set(executors)].map((executor) => this.paths.queue(executor));
    const listed = await Promise.all(
      queues.map(async (queue) => entriesOf(queue, await zk.childrenOrNone(queue), null)),
    );
    const waiting = listed
      .flat()
      .filter((entry) => !this.index.isParked(entry.runId, nowMs))
      .sort(byTime);
    let pending = await this.index.readEntries(zk, waiting.slice(0, limit), nowMs);
    const taken: ActiveRun[] = [];
    for (let attempt = 1; pending.length > 0 && attempt <= 3; attempt++) {
      const group = await this.index.groupFor(zk, node, until);
      const moves = pending.map(({ entry }) => ({
        from: entry.path,
        to: `${group}/${runEntry(until, entry.runId, entry.jobId)}`,
      }));
      const results = await commitEach(
        zk,
        moves.map(({ from, to }): ZkOp[] => [
          { op: 'remove', path: from },
          { op: 'create', path: to },
        ]),
      );
      const again: Read[] = [];
      results.forEach((error, i) => {
        const { entry, run } = pending[i] as Read;
        if (error === null) {
          this.index.rememberEntry({ ...entry, node, path: (moves[i] as { to: string }).to });
          taken.push({ ...run, node, leaseUntil: new Date(until) });
        } else if (isZk(error, ZK.NO_NODE, 1)) again.push(pending[i] as Read);
        // Else another node took it first.
      });
      // The group went away under us (a heartbeat from another store object): file them anew.
      if (again.length > 0) this.index.forgetFolder(group);
      pending = again;
    }
    return taken.sort(compareRuns);
  }

  /**
   * `JobStore.finishRuns`: one transaction removes the runs `node` holds with their entries and
   * stores the first records (the rest follow, 200 per transaction); then each job's history is trimmed.
   */
  async finish(
    zk: ZooKeeperConnection,
    node: string,
    runIds: string[],
    records: RunRecord[],
    retention: number,
  ): Promise<void> {
    const jobIds = [...new Set(records.map((record) => record.jobId))];
    const chunks = chunk(recordOps(this.paths, records), RUNS_PER_TRANSACTION);
    const finished = await this.removeHeld(zk, node, runIds, jobIds, chunks[0] ?? []);
    for (const entry of finished) this.index.forget(entry);
    for (const ops of chunks.slice(1)) await commitRecords(zk, this.folders, ops);
    await Promise.all(jobIds.map((jobId) => trimRuns(zk, this.paths, jobId, retention)));
  }

  /** Removes the runs `node` holds among `runIds`, with `records` (of `jobIds`) in the same transaction. */
  private async removeHeld(
    zk: ZooKeeperConnection,
    node: string,
    runIds: string[],
    jobIds: string[],
    records: ZkOp[],
  ): Promise<Entry[]> {
    let fresh = false;
    for (let attempt = 1; ; attempt++) {
      await Promise.all(jobIds.map((jobId) => this.folders.ensure(zk, this.paths.jobRuns(jobId))));
      const finished = await this.index.locate(zk, node, runIds, fresh);
      const ops: ZkOp[] = finished.flatMap((entry): ZkOp[] => [
        { op: 'remove', path: entry.path },
        { op: 'remove', path: this.paths.activeRun(entry.jobId, entry.runId) },
      ]);
      ops.push(...records);
      try {
        await zk.commit(ops);
        return finished;
      } catch (error) {
        if (!(error instanceof ZkError) || !lostRace(error) || attempt >= ATTEMPTS) throw error;
        // A run taken or moved meanwhile (read where it is now), or a history folder removed by hand.
        const op = ops[error.opIndex];
        if (op?.op === 'create') this.folders.forget(parent(op.path));
        fresh = true;
      }
    }
  }

  /**
   * `JobStore.takeInterruptedRuns`: lists the held groups whose bound has passed, and takes their
   * runs whose lease has, each in a transaction of its own once several callers race (see `commitEach`)
   * that also creates its `interrupted` records; then trims the histories of the jobs recorded.
   */
  async takeInterrupted(
    zk: ZooKeeperConnection,
    now: Date,
    limit: number,
    retention: number,
  ): Promise<InterruptedRun[]> {
    if (limit <= 0) return [];
    const nowMs = now.getTime();
    const groups = (await zk.getChildren(this.paths.held)).flatMap((name) => {
      const group = parseEntry(name);
      return group !== null && group.time < nowMs
        ? [{ path: `${this.paths.held}/${name}`, node: group.id }]
        : [];
    });
    if (groups.length === 0) return [];
    const listed = await Promise.all(
      groups.map(async ({ path, node }) => ({ path, node, names: await zk.childrenOrNone(path) })),
    );
    const ended = listed
      .flatMap(({ path, node, names }) => entriesOf(path, names, node))
      .filter((entry) => entry.time < nowMs && !this.index.isParked(entry.runId, nowMs))
      .sort(byTime);
    const read = await this.index.readEntries(zk, ended.slice(0, limit), nowMs);
    const requeued = read.map(({ run }) => run.job.requestsRecovery === true && !run.recovery);
    const recorded = retention > 0 ? [...new Set(read.map(({ entry }) => entry.jobId))] : [];
    await Promise.all([
      ...read.map(({ run }, i) =>
        requeued[i] === true ? this.folders.ensure(zk, this.paths.queue(run.job.executor)) : undefined,
      ),
      ...recorded.map((jobId) => this.folders.ensure(zk, this.paths.jobRuns(jobId))),
    ]);
    const batches = read.map(({ entry, run, version }, i): ZkOp[] => {
      const path = this.paths.activeRun(entry.jobId, entry.runId);
      // Records beyond `retention` would be trimmed at once: the newest run times only (ascending).
      const records = retention > 0 ? recordOps(this.paths, interruptedRecords(run).slice(-retention)) : [];
      if (requeued[i] !== true) {
        return [{ op: 'remove', path: entry.path }, { op: 'remove', path, version }, ...records];
      }
      const back = { ...run, node: null, leaseUntil: null, recovery: true, createdAt: new Date(nowMs) };
      return [
        { op: 'remove', path: entry.path },
        { op: 'set', path, data: serializeActiveRun(back), version },
        {
          op: 'create',
          path: `${this.paths.queue(run.job.executor)}/${runEntry(nowMs, run.id, entry.jobId)}`,
        },
        ...records,
      ];
    });
    // Groups of dead nodes left empty go too; one that was given a run meanwhile fails alone and stays.
    const empty = listed.filter(({ names }) => names.length === 0).map(({ path }) => path);
    const results = await commitEach(zk, [
      ...batches,
      ...empty.map((path): ZkOp[] => [{ op: 'remove', path }]),
    ]);
    for (const path of empty) this.index.forgetFolder(path);
    const taken: InterruptedRun[] = [];
    read.forEach(({ entry, run }, i) => {
      const error = results[i];
      if (error !== null) {
        // A history folder removed by hand since this store made it: made again on the next call.
        const op = batches[i]?.[error?.opIndex ?? -1];
        if (op?.op === 'create' && op.sequential === true) this.folders.forget(parent(op.path));
        return;
      }
      if (requeued[i] === true) this.index.forgetEntry(entry.runId);
      else this.index.forget(entry);
      taken.push({ ...run, requeued: requeued[i] === true });
    });
    const trimmed = new Set(taken.map((run) => run.job.id));
    await Promise.all(
      recorded
        .filter((jobId) => trimmed.has(jobId))
        .map((jobId) => trimRuns(zk, this.paths, jobId, retention)),
    );
    return taken;
  }

  /** `JobStore.getActiveRuns`: every run, through the entries of every queue and held group. */
  async list(zk: ZooKeeperConnection): Promise<ActiveRun[]> {
    const [queues, groups] = await Promise.all([
      zk.getChildren(this.paths.waiting),
      zk.getChildren(this.paths.held),
    ]);
    const listed = await Promise.all([
      ...queues.map(async (name) => {
        const queue = `${this.paths.waiting}/${name}`;
        return entriesOf(queue, await zk.childrenOrNone(queue), null);
      }),
      ...groups.map(async (name) => {
        const group = parseEntry(name);
        const path = `${this.paths.held}/${name}`;
        return group === null ? [] : entriesOf(path, await zk.childrenOrNone(path), group.id);
      }),
    ]);
    return (await this.index.readEntries(zk, listed.flat(), null)).map(({ run }) => run).sort(compareRuns);
  }

  /**
   * The moves of a heartbeat: `node`'s held runs, from all its groups into one new group named by
   * their new lease end `until`, and its old groups removed. A node that holds no group has none.
   */
  async moves(zk: ZooKeeperConnection, node: string, groupNames: string[], until: number): Promise<Moves> {
    const target = this.paths.group(node, until);
    const own = groupNames
      .filter((name) => parseEntry(name)?.id === node)
      .map((name) => `${this.paths.held}/${name}`);
    const listed = await Promise.all(own.map(async (path) => ({ path, names: await zk.getChildren(path) })));
    const moves: ZkOp[][] = [];
    const moved: Entry[] = [];
    const removals: { op: 'remove'; path: string }[] = [];
    for (const { path, names } of listed) {
      const entries = entriesOf(path, names, node);
      for (const entry of entries) {
        const to = `${target}/${runEntry(until, entry.runId, entry.jobId)}`;
        moved.push({ ...entry, path: to, time: until });
        if (entry.path !== to) {
          moves.push([
            { op: 'remove', path: entry.path },
            { op: 'create', path: to },
          ]);
        }
      }
      // A group holding a name this store did not write is left as it is.
      if (path !== target && entries.length === names.length) removals.push({ op: 'remove', path });
    }
    const create: ZkOp[] = own.length === 0 || own.includes(target) ? [] : [{ op: 'create', path: target }];
    const batches = chunk(moves, MOVES_PER_TRANSACTION).map((batch) => batch.flat());
    const last = batches.pop() ?? [];
    if (batches.length > 0) batches[0] = [...create, ...(batches[0] as ZkOp[])];
    return {
      before: batches,
      final: [...(batches.length > 0 ? [] : create), ...last, ...removals],
      done: () => {
        for (const { path } of removals) this.index.forgetFolder(path);
        if (own.length === 0) return;
        this.index.rememberGroup(node, target, until);
        for (const entry of moved) this.index.rememberEntry(entry);
      },
    };
  }
}
