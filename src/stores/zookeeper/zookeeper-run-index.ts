import { deserializeActiveRun } from '../active-run.js';
import { compareIds } from '../job-order.js';
import type { ActiveRun } from '../job-store.js';
import { ignoreConflict, type KnownFolders, type ZooKeeperConnection } from './zookeeper-connection.js';
import { decodeId, parseEntry, parseRunEntry, type Layout } from './zookeeper-layout.js';

/** How long a run that cannot be read is passed over before it is read (and reported) again. */
const UNREADABLE_RETRY_MS = 60_000;
/** Entries of each memory below, at most (then it starts over, and reads instead). */
const REMEMBERED = 100_000;

/** A job's runs in progress as this store last wrote them: its folder's data version and run ids. */
export interface Instances {
  /** -1: the folder does not exist. */
  version: number;
  runs: Set<string>;
}

/** A run's entry in a queue (`node: null`) or in a held group: where it is and what it says. */
export interface Entry {
  path: string;
  runId: string;
  jobId: string;
  node: string | null;
  /** The lease end (held) or the creation time (waiting), epoch ms. */
  time: number;
}

/** A run read through its entry, with its znode's version. */
export interface Read {
  entry: Entry;
  run: ActiveRun;
  version: number;
}

/** Reports a stored run that cannot be read (it is skipped and kept). */
export type ReportRun = (jobId: string, runId: string, path: string, error: unknown) => void;

/**
 * The indexes of runs in progress as `ActiveRuns` reads them, and what this store remembers of its
 * own writes to them (job instance folders, held entries, each node's current group), so that the
 * common calls read nothing first. What it remembers may be stale: a version or a znode that moved
 * meanwhile fails the transaction built from it, which is then built again from a fresh read.
 */
export class RunIndex {
  /** Instance folders as this store's last write left them, by job id (a set may hold ids that ended since). */
  readonly instances = new Map<string, Instances>();
  /** Held entries this store wrote, by run id. */
  private readonly entries = new Map<string, { node: string; path: string; jobId: string }>();
  /** Each node's newest group known here, where its runs are filed while their lease reaches its bound. */
  private readonly groups = new Map<string, { path: string; bound: number }>();
  /** Runs that could not be read, by id: passed over until then (epoch ms). */
  private readonly parked = new Map<string, number>();

  constructor(
    private readonly paths: Layout,
    private readonly folders: KnownFolders,
    private readonly report: ReportRun,
  ) {}

  /** Remembers a job's instance folder as a transaction of this store left it. */
  rememberInstances(jobId: string, instances: Instances): void {
    remember(this.instances, jobId, instances);
  }

  /** Remembers `group` as `node`'s newest group (a heartbeat moved its runs there). */
  rememberGroup(node: string, path: string, bound: number): void {
    this.folders.add(path);
    remember(this.groups, node, { path, bound });
  }

  /** The group to file `node`'s run with a lease ending at `lease` in, made when none known here fits. */
  async groupFor(zk: ZooKeeperConnection, node: string, lease: number): Promise<string> {
    const current = this.groups.get(node);
    if (current !== undefined && current.bound <= lease && this.folders.has(current.path))
      return current.path;
    const path = this.paths.group(node, lease);
    await this.folders.ensure(zk, path);
    this.rememberGroup(node, path, lease);
    return path;
  }

  /** A folder found missing: made again when next needed (and no longer a node's current group). */
  forgetFolder(path: string): void {
    this.folders.forget(path);
    for (const [node, group] of this.groups) if (group.path === path) this.groups.delete(node);
  }

  /** A job's instance folder as stored now. */
  async readInstances(zk: ZooKeeperConnection, jobId: string): Promise<Instances> {
    const read = await zk.childrenAndVersion(this.paths.jobActive(jobId));
    if (read === null) return { version: -1, runs: new Set() };
    return { version: read.version, runs: new Set(read.children.map(decodeName)) };
  }

  /**
   * The entries of the runs `node` holds among `runIds`, from what this store wrote unless `fresh`,
   * else (and for the ids it does not know) from `node`'s groups.
   */
  async locate(zk: ZooKeeperConnection, node: string, runIds: string[], fresh: boolean): Promise<Entry[]> {
    const found: Entry[] = [];
    const unknown: string[] = [];
    for (const runId of new Set(runIds)) {
      const known = fresh ? undefined : this.entries.get(runId);
      if (known?.node === node) found.push({ ...known, runId, time: 0 });
      else unknown.push(runId);
    }
    if (unknown.length === 0) return found;
    const groups = (await zk.getChildren(this.paths.held)).filter((name) => parseEntry(name)?.id === node);
    const listed = await Promise.all(
      groups.map(async (name) => {
        const path = `${this.paths.held}/${name}`;
        return entriesOf(path, await zk.childrenOrNone(path), node);
      }),
    );
    const held = new Map(listed.flat().map((entry) => [entry.runId, entry]));
    for (const runId of unknown) {
      const entry = held.get(runId);
      if (entry !== undefined) found.push(entry);
    }
    return found;
  }

  /**
   * The runs of these entries, in their order. An entry whose run is gone (a hand edit) is removed;
   * a run that cannot be read is reported, kept, and with `nowMs` passed over for a while.
   */
  async readEntries(zk: ZooKeeperConnection, entries: Entry[], nowMs: number | null): Promise<Read[]> {
    const stored = await Promise.all(
      entries.map((entry) => zk.read(this.paths.activeRun(entry.jobId, entry.runId))),
    );
    const read: Read[] = [];
    await Promise.all(
      entries.map(async (entry, i) => {
        const found = stored[i];
        if (found === null || found === undefined) {
          await zk.remove(entry.path).catch(ignoreConflict);
          return;
        }
        try {
          const holder = { node: entry.node, leaseUntil: entry.node === null ? null : new Date(entry.time) };
          read.push({ entry, run: deserializeActiveRun(found.data, holder), version: found.version });
        } catch (error) {
          if (nowMs !== null) remember(this.parked, entry.runId, nowMs + UNREADABLE_RETRY_MS);
          this.report(entry.jobId, entry.runId, this.paths.activeRun(entry.jobId, entry.runId), error);
        }
      }),
    );
    const order = new Map(entries.map((entry, i) => [entry, i]));
    return read.sort((a, b) => (order.get(a.entry) ?? 0) - (order.get(b.entry) ?? 0));
  }

  isParked(runId: string, nowMs: number): boolean {
    const until = this.parked.get(runId);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.parked.delete(runId);
    return false;
  }

  rememberEntry(entry: Entry): void {
    if (entry.node !== null)
      remember(this.entries, entry.runId, { node: entry.node, path: entry.path, jobId: entry.jobId });
  }

  /** A run no longer held (put back to wait): its entry is in a queue now. */
  forgetEntry(runId: string): void {
    this.entries.delete(runId);
  }

  /** A run this store just removed: no longer held, and no longer an instance of its job. */
  forget(entry: Entry): void {
    this.entries.delete(entry.runId);
    this.instances.get(entry.jobId)?.runs.delete(entry.runId);
  }
}

/** The run entries among a folder's children (names this store did not write are passed over). */
export function entriesOf(folder: string, names: string[], node: string | null): Entry[] {
  return names.flatMap((name) => {
    const entry = parseRunEntry(name);
    return entry === null
      ? []
      : [{ path: `${folder}/${name}`, runId: entry.runId, jobId: entry.jobId, node, time: entry.time }];
  });
}

/** Entries by time (creation or lease end), then run id. */
export function byTime(a: Entry, b: Entry): number {
  return a.time - b.time || compareIds(a.runId, b.runId);
}

/** Runs in the order `getActiveRuns` and `acquireRuns` give them: creation time, then id. */
export function compareRuns(a: ActiveRun, b: ActiveRun): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || compareIds(a.id, b.id);
}

/** A child name decoded, or as it is when it is not one this store wrote (it still counts). */
function decodeName(name: string): string {
  try {
    return decodeId(name);
  } catch {
    return name;
  }
}

export function parent(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= REMEMBERED && !map.has(key)) map.clear();
  map.set(key, value);
}
