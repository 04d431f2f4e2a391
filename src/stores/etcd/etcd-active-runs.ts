import { deserializeActiveRun, interruptedRecords, serializeActiveRun } from '../active-run.js';
import { compareIds } from '../job-order.js';
import type { ActiveRun, InterruptedRun, RunRecord } from '../job-store.js';
import type { EtcdKeyValue, EtcdRequestOp } from './etcd-connection.js';
import { ops, parseStamped, unchanged, type EtcdKeys } from './etcd-keys.js';
import { MAX_TXN_OPS, chunks, opBytes, type EtcdRequests } from './etcd-requests.js';
import type { EtcdRuns } from './etcd-runs.js';

/** Claim passes per `acquire` when other nodes win some of the runs. */
const CLAIM_ROUNDS = 3;
/** Attempts of a write whose keys others keep changing under it. */
const ATTEMPTS = 10;
/** Held runs this store remembers the revisions of (it reads the others back). */
const HOLD_LIMIT = 20_000;
/** How long a run this store cannot read is passed over before it is tried (and reported) again. */
const UNREADABLE_RETRY_MS = 60_000;
/** Runs in a transaction that acquires or ends runs (a few writes each, under etcd's 128). */
const RUNS_PER_TXN = 25;
/** Writes that take one interrupted run, besides its records (`takeOps`). */
const TAKE_OPS = 4;

/** A held run as this store last wrote or read its `holders/` key: what ending or moving it compares. */
interface Hold {
  job: string;
  until: number | null;
  /** The mod revision of its `holders/` key. */
  revision: string;
}

/** A run read from the waiting index. */
interface Waiting {
  key: Buffer;
  revision: string;
  time: number;
  runId: string;
  jobId: string;
}

/** A run read from the lease index. */
interface Expired {
  key: Buffer;
  revision: string;
  until: number;
  runId: string;
  node: string;
  job: string;
}

/** A run being taken (null: its JSON is gone), its records, their writes in the take and after it. */
interface Taking {
  entry: Expired;
  run: ActiveRun | null;
  records: RunRecord[];
  puts: EtcdRequestOp[];
  late: EtcdRequestOp[];
}

/** The compare and writes that move one held run's lease (`moveLease`). */
export interface LeaseMove {
  runId: string;
  job: string;
  compare: ReturnType<typeof unchanged>;
  ops: EtcdRequestOp[];
}

/** Where the run is when no `holders/` key names it. */
const WAITING = { node: null, leaseUntil: null };

/**
 * The runs in progress in etcd (keys in `etcd-keys.ts`): what storing one writes, handing waiting runs
 * to workers, ending them with their records, taking those whose lease ran out, and moving the lease
 * of a node's runs for its heartbeat. Every change is a transaction that compares the revision of the
 * index key it moves, so two callers never move the same run; a failed one re-reads and tries again.
 */
export class EtcdActiveRuns {
  private readonly holds = new Map<string, Hold>();
  /** Runs this store could not read, by id, and until when they are passed over. */
  private readonly unreadable = new Map<string, number>();

  constructor(
    private readonly keys: EtcdKeys,
    private readonly requests: EtcdRequests,
    private readonly records: EtcdRuns,
    /** Reports a run that cannot be read (log and `reportUnreadableJob`). */
    private readonly report: (runId: string, jobId: string, error: unknown) => void,
  ) {}

  /** Forgets what it remembered (the store stopped). */
  forget(): void {
    this.holds.clear();
    this.unreadable.clear();
  }

  /** The writes that store a new run: its JSON, and its waiting or held keys. Throws `SerializationError`. */
  storeOps(run: ActiveRun): EtcdRequestOp[] {
    const jobId = run.job.id;
    const writes = [ops.put(this.keys.activeRun(jobId, run.id), serializeActiveRun(run))];
    if (run.node === null)
      writes.push(ops.put(this.keys.waitingRun(run.job.executor, run.createdAt.getTime(), run.id), jobId));
    else writes.push(...this.holdOps(run.node, run.id, jobId, run.leaseUntil?.getTime() ?? null));
    return writes;
  }

  /** Remembers the held runs that a transaction at `revision` stored. */
  stored(runs: ActiveRun[], revision: string): void {
    for (const run of runs) {
      if (run.node !== null)
        this.remember(run.node, run.id, {
          job: run.job.id,
          until: run.leaseUntil?.getTime() ?? null,
          revision,
        });
    }
  }

  /** See `JobStore.acquireRuns`. */
  async acquire(
    node: string,
    executors: readonly string[],
    nowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    const until = nowMs + leaseMs;
    const acquired: ActiveRun[] = [];
    for (let round = 0; round < CLAIM_ROUNDS && acquired.length < limit; round++) {
      const candidates = await this.waitingRuns([...new Set(executors)], nowMs, limit - acquired.length);
      if (candidates.length === 0) break;
      // Another round when another node won some candidates, or one could not be read.
      let again = false;
      for (const group of chunks(candidates, RUNS_PER_TXN, () => 0)) {
        const response = await this.requests.txn(
          'acquire runs',
          group.map((c) => unchanged(c.key, c.revision)),
          group.flatMap((c) => [
            ops.delete(c.key),
            ...this.holdOps(node, c.runId, c.jobId, until),
            ops.get(this.keys.activeRun(c.jobId, c.runId)),
          ]),
        );
        if (!response.succeeded) {
          again = true;
          continue;
        }
        const { revision } = response.header;
        for (const [i, c] of group.entries()) {
          this.remember(node, c.runId, { job: c.jobId, until, revision });
          const text = response.responses[4 * i + 3]?.response_range?.kvs[0]?.value.toString();
          const run =
            text === undefined
              ? undefined
              : this.decode(c.jobId, c.runId, text, { node, leaseUntil: new Date(until) }, nowMs);
          if (run !== undefined) {
            acquired.push(run);
            continue;
          }
          again = true;
          await this.giveBack(node, c, until, revision, text !== undefined);
        }
      }
      if (!again) break;
    }
    return acquired;
  }

  /** See `JobStore.finishRuns`: one transaction for the runs and records when they fit in one. */
  async finish(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void> {
    let pending = await this.holdsOf(node, [...new Set(runIds)]);
    let puts = this.records.puts(records);
    const together =
      pending.length <= RUNS_PER_TXN && chunks(puts, MAX_TXN_OPS - 3 * pending.length, opBytes).length <= 1;
    if (!together) {
      await this.requests.writeAll('record runs', puts);
      puts = [];
    }
    for (let attempt = 0; pending.length > 0 || puts.length > 0; attempt++) {
      if (attempt >= ATTEMPTS) throw this.requests.contended('finish runs');
      const changed: { runId: string; hold: Hold }[] = [];
      const groups = pending.length === 0 ? [[]] : chunks(pending, RUNS_PER_TXN, () => 0);
      for (const group of groups) {
        const holderKeys = group.map(({ runId }) => this.keys.holderRun(node, runId));
        // The records are stored by either branch: a run taken from the node meanwhile keeps its record.
        const response = await this.requests.txn(
          'finish runs',
          group.map(({ hold }, i) => unchanged(holderKeys[i] as Buffer, hold.revision)),
          [...group.flatMap(({ runId, hold }) => this.endOps(node, runId, hold)), ...puts],
          [...holderKeys.map((key) => ops.get(key)), ...puts],
        );
        puts = [];
        for (const { runId } of group) this.holds.delete(holdKey(node, runId));
        if (response.succeeded) continue;
        group.forEach(({ runId }, i) => {
          const kv = response.responses[i]?.response_range?.kvs[0];
          const hold = kv === undefined ? undefined : parseHold(kv);
          if (hold !== undefined) changed.push({ runId, hold });
        });
      }
      pending = changed;
    }
    await this.records.trim(records, retention);
  }

  /**
   * See `JobStore.takeInterruptedRuns`: the transaction that takes a run writes its records, the
   * newest `retention` (the trim would drop the rest); of a run with more run times than fit in it (a
   * long catch-up), the older ones are written just after.
   */
  async takeInterrupted(nowMs: number, limit: number, retention: number): Promise<InterruptedRun[]> {
    if (limit <= 0) return [];
    const passed = this.passedOver(nowMs);
    const { kvs } = await this.requests.range('take interrupted runs', {
      key: Buffer.from(this.keys.held),
      range_end: this.keys.heldBefore(nowMs),
      limit: limit + passed.size,
    });
    const entries = kvs.map((kv) => this.parseExpired(kv)).filter((entry) => !passed.has(entry.runId));
    const chosen = entries.slice(0, limit);
    if (chosen.length === 0) return [];
    const texts = await this.requests.readAll(
      'take interrupted runs',
      chosen.map((entry) => ops.get(this.keys.activeRun(entry.job, entry.runId))),
    );
    let pending: Taking[] = [];
    chosen.forEach((entry, i) => {
      const kv = texts[i]?.kvs[0];
      // An index key whose run is gone (it cannot be, short of a hand edit) is dropped with its twin.
      if (kv === undefined) {
        pending.push({ entry, run: null, records: [], puts: [], late: [] });
        return;
      }
      const holder = { node: entry.node, leaseUntil: new Date(entry.until) };
      const run = this.decode(entry.job, entry.runId, kv.value.toString(), holder, nowMs);
      if (run === undefined) return;
      const records = retention > 0 ? interruptedRecords(run).slice(-retention) : [];
      const puts = this.records.puts(records);
      const split = Math.max(0, puts.length - (MAX_TXN_OPS - TAKE_OPS));
      pending.push({ entry, run, records, puts: puts.slice(split), late: puts.slice(0, split) });
    });
    const taken: InterruptedRun[] = [];
    const recorded: RunRecord[] = [];
    const late: EtcdRequestOp[] = [];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= ATTEMPTS) throw this.requests.contended('take interrupted runs');
      const again: typeof pending = [];
      const groups = chunks(
        pending,
        MAX_TXN_OPS,
        (item) => item.puts.reduce((bytes, put) => bytes + opBytes(put), 0),
        (item) => TAKE_OPS + item.puts.length,
      );
      for (const group of groups) {
        const response = await this.requests.txn(
          'take interrupted runs',
          group.map(({ entry }) => unchanged(entry.key, entry.revision)),
          group.flatMap(({ entry, run, puts }) => [...this.takeOps(entry, run, nowMs), ...puts]),
          group.map(({ entry }) => ops.get(entry.key)),
        );
        for (const [i, item] of group.entries()) {
          const { entry, run } = item;
          if (response.succeeded) {
            this.holds.delete(holdKey(entry.node, entry.runId));
            if (run !== null) taken.push({ ...run, requeued: requeues(run) });
            recorded.push(...item.records);
            late.push(...item.late);
            // Not taken by another caller nor moved by a heartbeat: only another run's key changed.
          } else if (response.responses[i]?.response_range?.kvs[0]?.mod_revision === entry.revision) {
            again.push(item);
          }
        }
      }
      pending = again;
    }
    await this.requests.writeAll('record interrupted runs', late);
    await this.records.trim(recorded, retention);
    const order = new Map(chosen.map((entry, i) => [entry.runId, i]));
    return taken.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  }

  /** See `JobStore.getActiveRuns`. */
  async all(): Promise<ActiveRun[]> {
    const [texts, holders] = await Promise.all([
      this.requests.scan('list runs', this.keys.active),
      this.requests.scan('list runs', this.keys.holders),
    ]);
    const holderOf = new Map<string, { node: string; leaseUntil: Date | null }>();
    for (const kv of holders) {
      const hold = parseHold(kv);
      if (hold === undefined) continue;
      const { node, runId } = this.keys.parseHolder(kv.key);
      holderOf.set(`${hold.job}\u0000${runId}`, {
        node,
        leaseUntil: hold.until === null ? null : new Date(hold.until),
      });
    }
    const runs: ActiveRun[] = [];
    for (const kv of texts) {
      const { jobId, runId } = this.keys.parseActive(kv.key);
      const holder = holderOf.get(`${jobId}\u0000${runId}`) ?? WAITING;
      const run = this.decode(jobId, runId, kv.value.toString(), holder);
      if (run !== undefined) runs.push(run);
    }
    return runs.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareIds(a.id, b.id));
  }

  /**
   * What moves the lease of the run a `holders/<node>/` key names to `until`, compared against that
   * key's revision; null when it ends there already (or the key is not one this store wrote).
   */
  moveLease(node: string, kv: EtcdKeyValue, until: number): LeaseMove | null {
    const hold = parseHold(kv);
    if (hold === undefined || hold.until === until) return null;
    const { runId } = this.keys.parseHolder(kv.key);
    const writes = this.holdOps(node, runId, hold.job, until);
    if (hold.until !== null) {
      const old = this.keys.heldRun(hold.until, runId);
      // etcd refuses a put and a delete of one key in a transaction.
      if (!old.equals(this.keys.heldRun(until, runId))) writes.push(ops.delete(old));
    }
    return { runId, job: hold.job, compare: unchanged(kv.key, kv.mod_revision), ops: writes };
  }

  /** Remembers a held run as a transaction at `revision` left it. */
  remember(node: string, runId: string, hold: Hold): void {
    const key = holdKey(node, runId);
    this.holds.delete(key);
    this.holds.set(key, hold);
    if (this.holds.size > HOLD_LIMIT) this.holds.delete(this.holds.keys().next().value as string);
  }

  /** The oldest waiting runs of these executors, at most `want`, passing over those it cannot read. */
  private async waitingRuns(executors: string[], nowMs: number, want: number): Promise<Waiting[]> {
    const passed = this.passedOver(nowMs);
    const prefixes = executors.map((executor) => this.keys.waitingOf(executor));
    const responses = await this.requests.readAll(
      'acquire runs',
      prefixes.map((prefix) => ops.range(prefix, { limit: want + passed.size })),
    );
    const candidates: Waiting[] = [];
    prefixes.forEach((prefix, i) => {
      for (const kv of responses[i]?.kvs ?? []) {
        const { time, rest } = parseStamped(prefix, kv.key);
        if (passed.has(rest)) continue;
        candidates.push({
          key: kv.key,
          revision: kv.mod_revision,
          time,
          runId: rest,
          jobId: kv.value.toString(),
        });
      }
    });
    return candidates.sort((a, b) => a.time - b.time || compareIds(a.runId, b.runId)).slice(0, want);
  }

  /**
   * Undoes the claim of a run `acquire` could not hand out: one it cannot read waits again where it
   * was (for a node that can), one whose JSON is gone loses its index keys.
   */
  private async giveBack(
    node: string,
    c: Waiting,
    until: number,
    revision: string,
    wait: boolean,
  ): Promise<void> {
    const holder = this.keys.holderRun(node, c.runId);
    this.holds.delete(holdKey(node, c.runId));
    await this.requests.txn(
      'acquire runs',
      [unchanged(holder, revision)],
      [
        ops.delete(holder),
        ops.delete(this.keys.heldRun(until, c.runId)),
        ...(wait ? [ops.put(c.key, c.jobId)] : []),
      ],
    );
  }

  /** The runs `node` holds among `runIds`, from memory or read back. */
  private async holdsOf(node: string, runIds: string[]): Promise<{ runId: string; hold: Hold }[]> {
    const found: { runId: string; hold: Hold }[] = [];
    const missing: string[] = [];
    for (const runId of runIds) {
      const hold = this.holds.get(holdKey(node, runId));
      if (hold === undefined) missing.push(runId);
      else found.push({ runId, hold });
    }
    if (missing.length === 0) return found;
    const responses = await this.requests.readAll(
      'finish runs',
      missing.map((runId) => ops.get(this.keys.holderRun(node, runId))),
    );
    missing.forEach((runId, i) => {
      const kv = responses[i]?.kvs[0];
      const hold = kv === undefined ? undefined : parseHold(kv);
      if (hold !== undefined) found.push({ runId, hold });
    });
    return found;
  }

  /** The writes that make `node` hold a run until `until` (no lease index key without an end). */
  private holdOps(node: string, runId: string, job: string, until: number | null): EtcdRequestOp[] {
    const writes = [ops.put(this.keys.holderRun(node, runId), JSON.stringify({ until, job }))];
    if (until !== null) writes.push(ops.put(this.keys.heldRun(until, runId), JSON.stringify({ node, job })));
    return writes;
  }

  /** The writes that delete a held run: its JSON (an instance of its job) and its index keys. */
  private endOps(node: string, runId: string, hold: Hold): EtcdRequestOp[] {
    const writes = [
      ops.delete(this.keys.holderRun(node, runId)),
      ops.delete(this.keys.activeRun(hold.job, runId)),
    ];
    if (hold.until !== null) writes.push(ops.delete(this.keys.heldRun(hold.until, runId)));
    return writes;
  }

  /** The writes that take an interrupted run: deleted, or put back to wait with `recovery`. */
  private takeOps(entry: Expired, run: ActiveRun | null, nowMs: number): EtcdRequestOp[] {
    const writes = [ops.delete(entry.key), ops.delete(this.keys.holderRun(entry.node, entry.runId))];
    if (run === null) return writes;
    if (!requeues(run)) return [...writes, ops.delete(this.keys.activeRun(entry.job, entry.runId))];
    const back = { ...run, node: null, leaseUntil: null, recovery: true, createdAt: new Date(nowMs) };
    return [
      ...writes,
      ops.put(this.keys.activeRun(entry.job, entry.runId), serializeActiveRun(back)),
      ops.put(this.keys.waitingRun(run.job.executor, nowMs, entry.runId), entry.job),
    ];
  }

  private parseExpired(kv: EtcdKeyValue): Expired {
    const { time, rest } = parseStamped(this.keys.held, kv.key);
    let value: { node?: unknown; job?: unknown } = {};
    try {
      value = JSON.parse(kv.value.toString()) as typeof value;
    } catch {
      // Left as empty: the run it names cannot be found, and the key is dropped.
    }
    return {
      key: kv.key,
      revision: kv.mod_revision,
      until: time,
      runId: rest,
      node: String(value.node ?? ''),
      job: String(value.job ?? ''),
    };
  }

  /**
   * A stored run, or undefined (reported, and left in etcd) when it cannot be read. With `nowMs`, the
   * run is passed over by this store for a while, so a pass does not report it again and again.
   */
  private decode(
    jobId: string,
    runId: string,
    text: string,
    holder: { node: string | null; leaseUntil: Date | null },
    nowMs?: number,
  ): ActiveRun | undefined {
    try {
      return deserializeActiveRun(text, holder);
    } catch (error) {
      if (nowMs !== undefined) {
        this.unreadable.set(runId, nowMs + UNREADABLE_RETRY_MS);
        if (this.unreadable.size > HOLD_LIMIT)
          this.unreadable.delete(this.unreadable.keys().next().value as string);
      }
      this.report(runId, jobId, error);
      return undefined;
    }
  }

  /** The ids of the runs passed over at `nowMs`. */
  private passedOver(nowMs: number): Set<string> {
    for (const [runId, until] of this.unreadable) if (until <= nowMs) this.unreadable.delete(runId);
    return new Set(this.unreadable.keys());
  }
}

function holdKey(node: string, runId: string): string {
  return `${node}\u0000${runId}`;
}

/** A run taken as interrupted is put back when its job asks for it, once. */
function requeues(run: ActiveRun): boolean {
  return run.job.requestsRecovery === true && !run.recovery;
}

/** A `holders/` key's value, or undefined when it is not one this store wrote. */
function parseHold(kv: EtcdKeyValue): Hold | undefined {
  try {
    const { until, job } = JSON.parse(kv.value.toString()) as { until?: unknown; job?: unknown };
    if (typeof job === 'string' && (until === null || typeof until === 'number'))
      return { job, until, revision: kv.mod_revision };
  } catch {
    // Not JSON: as below.
  }
  return undefined;
}
