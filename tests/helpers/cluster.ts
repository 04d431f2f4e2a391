// The multi-process harness: scheduler processes running the built package on one store, for every
// backend. A test file calls `useProcesses()` once, then for each backend (`describeOnEachStore`)
// makes a `Cluster` on a fresh table or key prefix, spawns scheduler processes in it, waits for what
// they report and stops or kills them:
//
//   const processes = useProcesses();
//   describeOnEachStore('two schedulers', (target) => {
//     it('...', async () => {
//       const cluster = processes.cluster(target, uniquePrefix('two'));
//       const a = cluster.spawn('a', { jobs: [[RECORD_RUN, 'interval', { id: 'tick', seconds: 1 }]] });
//       await a.started;
//       const [b] = await cluster.start(['b'], { scheduler: { maxSleep: 0.1 } });
//       await cluster.waitForRuns((runs) => runs.length >= 10, 'ten runs');
//       await a.kill();
//       ...
//       await cluster.stop();
//     });
//   });
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { RedisJobStore } from '../../src/stores/redis/index.js';
import { deleteClusterKeys } from '../integration/redis/redis-cluster-env.js';
import { deleteKeys } from '../integration/redis/redis-test-env.js';
import { buildDist } from './build.js';
import {
  RunLog,
  spawnScheduler,
  type RunLine,
  type SchedulerProcess,
  type SchedulerProcessConfig,
} from './processes.js';
import { serviceUrl } from './services.js';
import { persistentTargets, type StoreTarget } from './targets.js';
import { waitUntil } from './wait.js';
import { zookeeperTarget } from './zookeeper.js';
import { etcdTarget } from './etcd.js';

/** A backend as the process tests reach it: by URL from the processes, by a store object from the test. */
export type ProcessTarget = Omit<StoreTarget, 'raw' | 'table'>;

/** Redis, each test under its own key prefix; `dispose()` deletes the keys of every prefix it was given. */
export function redisTarget(): ProcessTarget {
  const base = serviceUrl('redis');
  const prefixes = new Set<string>();
  return {
    name: 'Redis',
    storeModule: 'redis',
    available: base !== undefined,
    prepare: async () => undefined,
    url: (prefix) => {
      prefixes.add(prefix);
      const url = new URL(base as string);
      url.searchParams.set('prefix', prefix);
      return url.href;
    },
    open: (prefix) => {
      prefixes.add(prefix);
      return new RedisJobStore({ url: base as string, prefix });
    },
    dispose: async () => {
      for (const prefix of prefixes) await deleteKeys(base as string, prefix);
    },
  };
}

/** A Redis Cluster (three masters), each test under its own key prefix, so its own hash tag. */
export function redisClusterTarget(): ProcessTarget {
  const base = serviceUrl('redisCluster');
  const stores: RedisJobStore[] = [];
  const open = (prefix: string) => {
    const store = new RedisJobStore({ url: base as string, prefix });
    stores.push(store);
    return store;
  };
  return {
    name: 'Redis Cluster',
    storeModule: 'redis',
    available: base !== undefined,
    prepare: async () => undefined,
    url: (prefix) => {
      open(prefix);
      const url = new URL(base as string);
      url.searchParams.set('prefix', prefix);
      return url.href;
    },
    open,
    dispose: async () => {
      const keyPrefixes = new Set(stores.map((store) => store.keyPrefix));
      for (const keyPrefix of keyPrefixes) await deleteClusterKeys(base as string, keyPrefix);
    },
  };
}

/**
 * Every backend a set of scheduler processes can share: SQLite (a file), PostgreSQL, MySQL, Redis,
 * Redis Cluster, ZooKeeper, etcd.
 */
export function processTargets(): ProcessTarget[] {
  return [...persistentTargets(), redisTarget(), redisClusterTarget(), zookeeperTarget(), etcdTarget()];
}

/**
 * One `describe` per backend, `${title} on ${target.name}`, skipped when its server is not
 * configured; the backend is prepared before its tests and cleaned up after them. With `names`,
 * only the backends of those names (`'SQLite'`, `'PostgreSQL'`, ...), in that order.
 */
export function describeOnEachStore(
  title: string,
  body: (target: ProcessTarget) => void,
  names?: readonly string[],
): void {
  const targets = processTargets();
  const chosen =
    names === undefined
      ? targets
      : names.map((name) => {
          const target = targets.find((candidate) => candidate.name === name);
          if (target === undefined) throw new Error(`No process target is named ${name}`);
          return target;
        });
  for (const target of chosen) {
    describe.skipIf(!target.available)(`${title} on ${target.name}`, () => {
      beforeAll(() => target.prepare());
      afterAll(() => target.dispose());
      body(target);
    });
  }
}

export interface ProcessHarness {
  /** A cluster on the store at `target.url(prefix)`, with a run log of its own. */
  cluster(target: ProcessTarget, prefix: string): Cluster;
}

/**
 * Registers the hooks of a test file that runs scheduler processes: builds the package once before
 * its tests (`buildDist()`, never the repository's `dist/`), kills what a test left running after
 * each test (a failed one, say), and removes the run logs at the end.
 */
export function useProcesses(): ProcessHarness {
  let dist: string | undefined;
  let logs: string | undefined;
  let clusters: Cluster[] = [];
  beforeAll(async () => {
    dist = await buildDist();
    logs = mkdtempSync(join(tmpdir(), 'horae-processes-'));
  }, 120_000);
  afterEach(async () => {
    await Promise.all(clusters.map((cluster) => cluster.kill()));
    clusters = [];
  });
  afterAll(() => {
    if (logs !== undefined) rmSync(logs, { recursive: true, force: true });
  });
  return {
    cluster: (target, prefix) => {
      if (dist === undefined || logs === undefined)
        throw new Error('useProcesses(): cluster() called outside a test');
      const cluster = new Cluster(dist, target, target.url(prefix), join(logs, `${prefix}runs.jsonl`));
      clusters.push(cluster);
      return cluster;
    },
  };
}

/** What `Cluster.spawn` takes besides the scheduler id: see `SchedulerProcessConfig`. */
export type ProcessOptions = Pick<SchedulerProcessConfig, 'scheduler' | 'broker' | 'jobs' | 'startTimeoutMs'>;

/** Scheduler processes on one store, sharing one run log. */
export class Cluster {
  /** Every process spawned, in order; a restarted one is there twice. */
  readonly processes: SchedulerProcess[] = [];
  private readonly log: RunLog;

  constructor(
    private readonly dist: string,
    readonly target: ProcessTarget,
    readonly storeUrl: string,
    runLog: string,
  ) {
    this.log = new RunLog(runLog);
  }

  /** Spawns one scheduler process; `await process.started` to know it is up. */
  spawn(schedulerId: string, options: ProcessOptions = {}): SchedulerProcess {
    const child = spawnScheduler({
      ...options,
      dist: this.dist,
      storeUrl: this.storeUrl,
      storeModule: this.target.storeModule,
      schedulerId,
      runLog: this.log.file,
    });
    this.processes.push(child);
    return child;
  }

  /** Spawns one process per id, all with the same options, and waits until each has started. */
  async start(schedulerIds: string[], options: ProcessOptions = {}): Promise<SchedulerProcess[]> {
    const started = schedulerIds.map((id) => this.spawn(id, options));
    await Promise.all(started.map((child) => child.started));
    return started;
  }

  /** Every run of every process so far, in the order they were logged. */
  runs(): RunLine[] {
    return this.log.runs();
  }

  /**
   * Waits until `condition` holds of the runs so far. Fails at once when no process is left
   * running, and after `timeoutMs` naming `what`, with the number of runs and each process's stderr.
   */
  async waitForRuns(
    condition: (runs: RunLine[]) => boolean,
    what: string,
    timeoutMs = 60_000,
  ): Promise<void> {
    await waitUntil(
      () => {
        if (condition(this.runs())) return true;
        if (!this.processes.some((child) => child.running()))
          throw new Error(`No scheduler process is running while waiting for ${what}: ${this.report()}`);
        return false;
      },
      () => `${what}: ${this.report()}`,
      timeoutMs,
      50,
    );
  }

  /** Stops every running process cleanly (SIGTERM, exit 0), all at once. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.filter((child) => child.running()).map((child) => child.stop()));
  }

  /** Kills every running process (SIGKILL). */
  async kill(): Promise<void> {
    await Promise.all(this.processes.filter((child) => child.running()).map((child) => child.kill()));
  }

  /** The stderr of every process, labelled; empty when none wrote any. */
  stderr(): string {
    return this.processes
      .filter((child) => child.stderr() !== '')
      .map((child) => `[${child.schedulerId}, pid ${child.pid}]\n${child.stderr()}`)
      .join('\n');
  }

  private report(): string {
    const stderr = this.stderr();
    return `${this.runs().length} runs so far; ${stderr === '' ? 'no stderr' : `stderr:\n${stderr}`}`;
  }
}

/** The slots (0, 1, ...) of one job's runs, in the order they ran, for a job due every `step` ms from `origin`. */
export function slotsOf(runs: RunLine[], jobId: string, origin: number, step: number): number[] {
  return runs.filter((run) => run.jobId === jobId).map((run) => (run.scheduled - origin) / step);
}

/** The runs by scheduled run, `jobId@scheduled`: one entry per run, and more than one for a run made twice. */
export function groupRuns(runs: RunLine[]): Map<string, RunLine[]> {
  const groups = new Map<string, RunLine[]>();
  for (const run of runs) {
    const key = `${run.jobId}@${run.scheduled}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [run]);
    else group.push(run);
  }
  return groups;
}
