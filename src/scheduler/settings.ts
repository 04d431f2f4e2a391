import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { SystemClock, type Clock } from '../clock.js';
import { InvalidArgumentError } from '../errors.js';
import type { EventBroker } from '../events/event-broker.js';
import { EVENT_ALL } from '../events/codes.js';
import { defaultLogger, toLogger, type Logger } from '../logger.js';
import type { NodeRole } from '../stores/job-store.js';
import { assertTimeZone, systemTimeZone } from '../time/zone.js';
import {
  SCHEDULER_OPTION_KEYS,
  invalidOption,
  readBoolean,
  readGraceTime,
  readMaxInstances,
  readNonEmptyString,
  type JobDefaults,
  type SchedulerOptions,
} from './options.js';

/** A scheduler's settings once read and checked; `configure` replaces them as a whole. */
export interface SchedulerSettings {
  timezone: string;
  baseDir: string;
  logger: Logger;
  clock: Clock;
  /** The node id (`SchedulerOptions.nodeId`, or its older name `schedulerId`). */
  schedulerId: string;
  role: NodeRole;
  maxSleepMs: number;
  leaseMs: number;
  /** Seconds between heartbeats (ms): as given, else a third of the lease time, at most 5 s. */
  heartbeatMs: number;
  /** `heartbeatInterval` as given (ms), or `null` for the default. */
  heartbeatOption: number | null;
  eventBroker: EventBroker | null;
  /** The mask of the events published through the broker (`clusterEvents`). */
  clusterEvents: number;
  /** Run records kept per job; 0 = no run history. */
  runRetention: number;
  jobDefaults: Required<JobDefaults>;
}

export function defaultSettings(): SchedulerSettings {
  return {
    timezone: systemTimeZone(),
    baseDir: process.cwd(),
    logger: defaultLogger,
    clock: new SystemClock(),
    schedulerId: defaultNodeId(),
    role: 'both',
    maxSleepMs: 30_000,
    leaseMs: 30_000,
    heartbeatMs: 5_000,
    heartbeatOption: null,
    eventBroker: null,
    clusterEvents: 0,
    runRetention: 10,
    jobDefaults: { misfireGraceTime: 1, coalesce: true, maxInstances: 1 },
  };
}

const JOB_DEFAULT_KEYS = ['misfireGraceTime', 'coalesce', 'maxInstances'];

/**
 * Reads scheduler options over `current`, checking every one before returning, so a bad option
 * throws (`InvalidArgumentError` naming it) and leaves the previous settings whole. Stores and
 * executors are the scheduler's to read.
 */
export function readSchedulerOptions(
  options: SchedulerOptions,
  current: SchedulerSettings,
): SchedulerSettings {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('options', options, 'an object of scheduler options');
  }
  for (const key of Object.keys(options)) {
    if (!(SCHEDULER_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(
        `Unknown scheduler option "${key}"; valid options are: ${SCHEDULER_OPTION_KEYS.join(', ')}`,
        { field: key, value: (options as Record<string, unknown>)[key] },
      );
    }
  }
  const next: SchedulerSettings = { ...current, jobDefaults: { ...current.jobDefaults } };
  if (options.timezone !== undefined) next.timezone = assertTimeZone(options.timezone);
  if (options.jobDefaults !== undefined) {
    if (!isPlainObject(options.jobDefaults)) {
      throw invalidOption('jobDefaults', options.jobDefaults, 'an object of job defaults');
    }
    const given = options.jobDefaults;
    for (const key of Object.keys(given)) {
      if (!JOB_DEFAULT_KEYS.includes(key)) {
        throw new InvalidArgumentError(
          `Unknown job default "${key}"; valid job defaults are: ${JOB_DEFAULT_KEYS.join(', ')}`,
          { field: `jobDefaults.${key}`, value: given[key] },
        );
      }
    }
    if (given.misfireGraceTime !== undefined) {
      next.jobDefaults.misfireGraceTime = readGraceTime(
        given.misfireGraceTime,
        'jobDefaults.misfireGraceTime',
      );
    }
    if (given.coalesce !== undefined)
      next.jobDefaults.coalesce = readBoolean(given.coalesce, 'jobDefaults.coalesce');
    if (given.maxInstances !== undefined)
      next.jobDefaults.maxInstances = readMaxInstances(given.maxInstances);
  }
  if (options.maxSleep !== undefined) next.maxSleepMs = readSeconds(options.maxSleep, 'maxSleep') * 1000;
  if (options.leaseTime !== undefined) next.leaseMs = readSeconds(options.leaseTime, 'leaseTime') * 1000;
  if (options.heartbeatInterval !== undefined)
    next.heartbeatOption = readSeconds(options.heartbeatInterval, 'heartbeatInterval') * 1000;
  next.heartbeatMs = next.heartbeatOption ?? Math.min(5_000, next.leaseMs / 3);
  if (next.leaseMs <= 2 * next.heartbeatMs) {
    const field = options.leaseTime !== undefined ? 'leaseTime' : 'heartbeatInterval';
    throw new InvalidArgumentError(
      `leaseTime (${next.leaseMs / 1000} s) must be more than twice heartbeatInterval (${next.heartbeatMs / 1000} s), or a live node would lose its runs between two heartbeats`,
      { field, value: field === 'leaseTime' ? options.leaseTime : options.heartbeatInterval },
    );
  }
  if (options.role !== undefined) {
    if (!(ROLES as readonly unknown[]).includes(options.role)) {
      throw invalidOption('role', options.role, `one of ${ROLES.map((role) => `'${role}'`).join(', ')}`);
    }
    next.role = options.role;
  }
  if (options.eventBroker !== undefined) next.eventBroker = readBroker(options.eventBroker);
  if (options.clusterEvents !== undefined) {
    const mask = options.clusterEvents;
    if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0 || (mask & ~EVENT_ALL) !== 0) {
      throw invalidOption('clusterEvents', mask, 'a mask of EVENT_* codes (0 to EVENT_ALL)');
    }
    next.clusterEvents = mask;
  }
  const runHistory = options.runHistory;
  if (runHistory === false) next.runRetention = 0;
  else if (runHistory !== undefined) {
    if (!isPlainObject(runHistory) || Object.keys(runHistory).some((key) => key !== 'retention')) {
      throw invalidOption('runHistory', runHistory, '{ retention: <records per job> } or false');
    }
    const retention = (runHistory as { retention?: unknown }).retention ?? 10;
    if (typeof retention !== 'number' || !Number.isInteger(retention) || retention < 1) {
      throw invalidOption('runHistory.retention', retention, 'a positive integer');
    }
    next.runRetention = retention;
  }
  if (options.baseDir !== undefined) next.baseDir = readNonEmptyString(options.baseDir, 'baseDir');
  if (options.schedulerId !== undefined)
    next.schedulerId = readNonEmptyString(options.schedulerId, 'schedulerId');
  if (options.nodeId !== undefined) {
    const nodeId = readNonEmptyString(options.nodeId, 'nodeId');
    if (options.schedulerId !== undefined && options.schedulerId !== nodeId) {
      throw new InvalidArgumentError(
        `nodeId ${JSON.stringify(nodeId)} and schedulerId ${JSON.stringify(options.schedulerId)} differ; they are two names of one id, give one`,
        { field: 'nodeId', value: nodeId },
      );
    }
    next.schedulerId = nodeId;
  }
  if (options.logger !== undefined) next.logger = toLogger(options.logger);
  if (options.clock !== undefined) next.clock = readClock(options.clock);
  return next;
}

const ROLES: readonly NodeRole[] = ['both', 'scheduler', 'worker', 'client'];

/** `<hostname>:<pid>:<6 random hex digits>`: readable in `getNodes()`, unique per process. */
function defaultNodeId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

function readBroker(value: unknown): EventBroker | null {
  if (value === null) return null;
  const broker = value as Partial<EventBroker>;
  if (
    typeof broker !== 'object' ||
    typeof broker.start !== 'function' ||
    typeof broker.publish !== 'function' ||
    typeof broker.shutdown !== 'function'
  ) {
    throw invalidOption(
      'eventBroker',
      value,
      'an EventBroker (start, publish, shutdown), e.g. new RedisEventBroker({ url }) from horae/brokers/redis',
    );
  }
  return broker as EventBroker;
}

function readSeconds(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw invalidOption(field, value, 'a positive number of seconds');
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A clock is only called once the scheduler runs, so a bad one is caught here rather than then. */
function readClock(value: unknown): Clock {
  const clock = value as Partial<Clock> | null;
  if (
    clock === null ||
    typeof clock !== 'object' ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimer !== 'function' ||
    typeof clock.clearTimer !== 'function'
  ) {
    throw invalidOption('clock', value, 'a Clock with now(), setTimer() and clearTimer() methods');
  }
  return clock as Clock;
}
