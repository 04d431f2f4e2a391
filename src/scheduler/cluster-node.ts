// This scheduler as one node of a cluster on shared stores: its heartbeat (node record, leases of
// the runs it holds), the interrupted runs of dead nodes, and its event broker (wake-ups and the
// events of the whole cluster). See docs/cluster.md.
import { hostname } from 'node:os';
import type { BrokerMessage, EventBroker } from '../events/event-broker.js';
import { eventFromWire, eventToWire } from '../events/event-wire.js';
import { EVENT_JOB_INTERRUPTED, type EventListener, type SchedulerEventUnion } from '../events/events.js';
import { ListenerRegistry } from '../events/listeners.js';
import type { RunHistory } from '../runs/run-history.js';
import { interruptedRecords } from '../stores/active-run.js';
import type { InterruptedRun, JobStore, NodeRecord } from '../stores/job-store.js';
import type { SchedulerSettings } from './settings.js';

/** Interrupted runs taken per call, until a store has none left. */
const INTERRUPTED_BATCH = 100;

export interface ClusterHost {
  settings(): SchedulerSettings;
  readonly stores: ReadonlyMap<string, JobStore>;
  /** The aliases of the executors this node runs jobs on. */
  executors(): string[];
  readonly history: RunHistory;
  /** Emits to this node's listeners (and, through `publish`, to the cluster's). */
  emit(event: SchedulerEventUnion): void;
  /** Check the stores for due jobs by `time` (a job changed on another node). */
  scheduleCheck(time: Date): void;
  /** Check the stores now, for handed-over runs too. */
  wakeupForRuns(): void;
}

/**
 * One scheduler's part in a cluster. Started after the stores, stopped after the runs have ended
 * (so the heartbeat keeps the leases of runs that finish during a graceful shutdown).
 */
export class ClusterNode {
  /**
   * The heartbeat's timer: a real one, not the scheduler's clock's. Leases run in real time, and
   * a test that moves a `FakeClock` forty days ahead must not replay 700,000 heartbeats; each beat
   * still reads the time from the scheduler's clock.
   */
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private stopped = true;
  private startedAt = new Date(0);
  private broker: EventBroker | null = null;
  /** Stores whose heartbeat failed, with the failures in a row (one warning each time one starts). */
  private readonly failing = new Map<string, number>();
  /** Listeners of the whole cluster's events, called with events of other nodes. */
  private readonly remote: ListenerRegistry;
  /** Each cluster listener and the wrapper that stamps this node's own events for it. */
  private readonly wrappers = new Map<EventListener, EventListener>();
  /** Wake-ups waiting for the end of this turn, by store alias: the earliest time of each. */
  private announcements = new Map<string, number | null>();
  private announcing = false;

  constructor(
    private readonly host: ClusterHost,
    private readonly local: ListenerRegistry,
  ) {
    this.remote = new ListenerRegistry(() => host.settings().logger);
  }

  /** Beats once (so `getNodes()` lists this node), starts the broker, and beats on. */
  async start(): Promise<void> {
    const settings = this.host.settings();
    this.stopped = false;
    this.startedAt = new Date(settings.clock.now());
    await this.endEarlierLife();
    // The first beat wakes nobody: the scheduler's start makes its first pass itself.
    await this.beat(false);
    this.broker = settings.eventBroker;
    if (this.broker !== null) {
      if (settings.clusterEvents !== 0) this.local.add(this.publishEvent, settings.clusterEvents);
      await this.broker.start({
        nodeId: settings.schedulerId,
        logger: settings.logger,
        receive: (message) => this.receive(message),
        reconnected: () => {
          this.host.scheduleCheck(new Date(this.host.settings().clock.now()));
          this.host.wakeupForRuns();
        },
      });
    }
    this.arm();
  }

  /**
   * Runs stored under this node's id by an earlier process with the same id (a restart with a
   * fixed `nodeId`) are nobody's now: this process never started them, and its heartbeat would keep
   * them leased for ever. They are ended as interrupted, with their records (and a recovery run put
   * back for a job that asks for one), before the first heartbeat.
   */
  private async endEarlierLife(): Promise<void> {
    const { schedulerId, runRetention, clock, logger } = this.host.settings();
    for (const [alias, store] of [...this.host.stores]) {
      try {
        const mine = (await store.getActiveRuns()).filter((run) => run.node === schedulerId);
        if (mine.length === 0) continue;
        const records = runRetention > 0 ? mine.flatMap(interruptedRecords) : [];
        await store.finishRuns(
          schedulerId,
          mine.map((run) => run.id),
          records,
          runRetention,
        );
        const now = new Date(clock.now());
        const again = mine
          .filter((run) => run.job.requestsRecovery === true && !run.recovery)
          .map((run) => ({ ...run, node: null, leaseUntil: null, recovery: true, createdAt: now }));
        if (again.length > 0) await store.releaseJobs(schedulerId, [], again);
        const requeued = new Set(again.map((run) => run.id));
        for (const run of mine) this.interrupted(alias, { ...run, requeued: requeued.has(run.id) });
      } catch (error) {
        logger.error(
          `Could not end the runs an earlier "${schedulerId}" left in job store "${alias}"`,
          error,
        );
      }
    }
  }

  /** Stops beating and leaves: this node's record is deleted from each store, the broker closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.beating;
    this.local.remove(this.publishEvent);
    const { schedulerId, logger } = this.host.settings();
    await Promise.all(
      [...this.host.stores].map(([alias, store]) =>
        store.removeNode(schedulerId).catch((error: unknown) => {
          logger.debug(`Could not remove node "${schedulerId}" from job store "${alias}"`, error);
        }),
      ),
    );
    const broker = this.broker;
    this.broker = null;
    if (broker !== null) {
      await broker
        .shutdown()
        .catch((error: unknown) => logger.error('The event broker failed to shut down', error));
    }
  }

  /** The live nodes of store `alias`, by id. */
  getNodes(store: JobStore): Promise<NodeRecord[]> {
    return store.getNodes(new Date(this.host.settings().clock.now()));
  }

  /** Adds a listener of every node's events (this one's and, through the broker, the others'). */
  addListener(callback: EventListener, mask: number): void {
    const nodeId = () => this.host.settings().schedulerId;
    const wrapper: EventListener = (event) => callback({ ...event, nodeId: nodeId() });
    this.wrappers.set(callback, wrapper);
    this.local.add(wrapper, mask);
    this.remote.add(callback, mask);
  }

  /** Removes a cluster listener; false when `callback` is not one. */
  removeListener(callback: EventListener): boolean {
    const wrapper = this.wrappers.get(callback);
    if (wrapper === undefined) return false;
    this.wrappers.delete(callback);
    this.local.remove(wrapper);
    this.remote.remove(callback);
    return true;
  }

  /**
   * Tells the other nodes that store `alias` changed: a job due at `time`, or (`null`) runs waiting
   * for a worker now. One message per store per turn of the event loop, however many jobs a loop
   * adds.
   */
  announce(alias: string, time: Date | null): void {
    if (this.broker === null) return;
    const at = time === null ? null : time.getTime();
    const earlier = this.announcements.get(alias);
    if (earlier === undefined) this.announcements.set(alias, at);
    else if (earlier !== null) this.announcements.set(alias, at === null ? null : Math.min(earlier, at));
    if (this.announcing) return;
    this.announcing = true;
    setImmediate(() => {
      this.announcing = false;
      const announcements = this.announcements;
      this.announcements = new Map();
      const node = this.host.settings().schedulerId;
      for (const [jobStore, when] of announcements) {
        this.broker?.publish({ kind: 'wakeup', node, jobStore, at: when });
      }
    });
  }

  private readonly publishEvent = (event: SchedulerEventUnion): void => {
    const broker = this.broker;
    if (broker === null) return;
    broker.publish({ kind: 'event', node: this.host.settings().schedulerId, event: eventToWire(event) });
  };

  private receive(message: BrokerMessage): void {
    const { schedulerId, logger, clock } = this.host.settings();
    try {
      if (message.node === schedulerId) return;
      if (message.kind === 'wakeup') {
        if (message.at === null) {
          this.host.scheduleCheck(new Date(clock.now()));
          this.host.wakeupForRuns();
        } else this.host.scheduleCheck(new Date(message.at));
        return;
      }
      if (message.kind === 'event') {
        const event = eventFromWire(message.event, message.node);
        if (event !== null) this.remote.dispatch(event);
      }
    } catch (error) {
      logger.error('Could not handle a message of the event broker', error);
    }
  }

  private arm(): void {
    const { heartbeatMs } = this.host.settings();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.beating = this.beat(true).finally(() => {
        this.beating = null;
      });
      void this.beating.then(() => {
        // Not re-armed once stopped (`stop` cleared the timer and waited for this beat).
        if (!this.stopped) this.arm();
      });
    }, heartbeatMs);
    // A running scheduler keeps the process alive by its own timer, not by its heartbeat.
    this.timer.unref();
  }

  /**
   * One heartbeat in each store: the node's record and its runs' leases, then the interrupted runs
   * of dead nodes. Afterwards worker nodes look for handed-over runs.
   */
  private async beat(wake: boolean): Promise<void> {
    const settings = this.host.settings();
    const now = new Date(settings.clock.now());
    const record: NodeRecord = {
      id: settings.schedulerId,
      role: settings.role,
      hostname: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastHeartbeat: now,
      expiresAt: new Date(now.getTime() + settings.leaseMs),
      executors: this.host.executors(),
    };
    let recovered = false;
    for (const [alias, store] of [...this.host.stores]) {
      try {
        await store.heartbeat(record, now, settings.leaseMs);
        for (;;) {
          // The store writes their `interrupted` records in the same step.
          const taken = await store.takeInterruptedRuns(now, INTERRUPTED_BATCH, settings.runRetention);
          for (const run of taken) {
            this.interrupted(alias, run);
            if (run.requeued) {
              recovered = true;
              this.announce(alias, null);
            }
          }
          if (taken.length < INTERRUPTED_BATCH) break;
        }
        this.beatWorked(alias);
      } catch (error) {
        this.beatFailed(alias, error);
      }
    }
    if (recovered || (wake && (settings.role === 'worker' || settings.role === 'both'))) {
      this.host.wakeupForRuns();
    }
  }

  /** Reports an interrupted run (its store has recorded it): a warning and `job_interrupted`. */
  private interrupted(alias: string, run: InterruptedRun): void {
    const { logger } = this.host.settings();
    const deadNode = run.node ?? 'unknown';
    const { job } = run;
    const times = run.scheduledRunTimes.map((time) => time.toISOString()).join(', ');
    logger.warn(
      `Job "${job.name}" (id ${job.id}): the run at ${times} was interrupted (node "${deadNode}" stopped heartbeating)${run.requeued ? '; it runs once more, as the job asks (requestsRecovery)' : ''}`,
    );
    const event: SchedulerEventUnion = {
      code: EVENT_JOB_INTERRUPTED,
      jobId: job.id,
      jobStore: alias,
      scheduledRunTimes: run.scheduledRunTimes,
      interruptedNode: deadNode,
      recovered: run.requeued,
    };
    if (run.manual) event.manual = true;
    this.host.emit(event);
  }

  private beatWorked(alias: string): void {
    const failures = this.failing.get(alias);
    if (failures === undefined) return;
    this.failing.delete(alias);
    this.host
      .settings()
      .logger.warn(`Heartbeat in job store "${alias}" works again after ${failures} failures`);
  }

  private beatFailed(alias: string, error: unknown): void {
    const failures = (this.failing.get(alias) ?? 0) + 1;
    this.failing.set(alias, failures);
    const { logger, leaseMs } = this.host.settings();
    const message = `Heartbeat in job store "${alias}" failed (${failures} in a row); this node's runs there are interrupted if it fails for ${leaseMs / 1000} s`;
    if (failures === 1) logger.warn(message, error);
    else logger.debug(message, error);
  }
}
