// `horae doctor`: is this store usable, are its jobs being run, and did a node die in a run? For
// people, and for health checks in containers (the exit code).
import type { Command } from 'commander';
import type { Job } from '../../scheduler/job.js';
import { overdueSince } from '../../scheduler/health.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { JobStore } from '../../stores/job-store.js';
import { redactUrl } from '../../stores/redact-url.js';
import { createJobStoreFromUrl } from '../../stores/registry.js';
import { CommandFailed, errorLine } from '../cli-errors.js';
import { DISPLAY_ZONE, examples, storeOptions } from '../options.js';
import { colors, formatDuration, formatTime, printJson, println } from '../output.js';
import { CLI_NODE_ID, cliLogger, storeUrl, type StoreOptions } from '../store-session.js';
import { zoneOf } from '../trigger-input.js';
import {
  examineCluster,
  interruptedRun,
  printClusterFindings,
  printNodes,
  type ClusterFindings,
} from './doctor-cluster.js';

interface DoctorOptions extends StoreOptions {
  json?: boolean;
  tz?: string;
}

/** What a doctor found: each check's outcome, and the problems that make it exit 1. */
interface Report extends ClusterFindings {
  ok: boolean;
  store: { url: string; type: string | null; ok: boolean; latencyMs: number | null; error: string | null };
  schema: { version: number | null; note: string } | null;
  jobs: { total: number; paused: number } | null;
  overdue: { id: string; dueSince: string; lateMs: number; lastRun: string | null }[];
  unreadable: { id: string; error: string }[];
  problems: string[];
}

export function registerDoctor(program: Command): void {
  const command = storeOptions(
    program
      .command('doctor')
      .summary('check a store and its jobs; exit 1 on a problem')
      .description(
        'Connect to a store, check its schema version, list the live scheduler nodes, and find ' +
          'problems: overdue jobs (due longer ago than their misfire grace time, at least 1 s: no ' +
          'scheduler is running them), jobs that cannot be read, runs held by nodes that stopped ' +
          'heartbeating (recorded as interrupted), and runs waiting for a worker that no live node ' +
          'can take. Exits 0 when all is well and 1 on a problem, for health checks in containers.',
      ),
  )
    .option(...DISPLAY_ZONE)
    .action((options: DoctorOptions) => doctor(options));
  examples(command, ['horae doctor --store postgres://app@db/app', 'horae doctor --json | jq .problems']);
}

async function doctor(options: DoctorOptions): Promise<void> {
  const zone = zoneOf(options);
  const url = storeUrl(options);
  const report = await examine(url);
  report.ok = report.problems.length === 0;
  if (options.json === true) printJson(report);
  else printReport(report, zone);
  if (!report.ok) throw new CommandFailed(report.problems.join('; '));
}

async function examine(url: string): Promise<Report> {
  const report: Report = {
    ok: false,
    store: { url: redactUrl(url), type: null, ok: false, latencyMs: null, error: null },
    schema: null,
    nodes: null,
    jobs: null,
    overdue: [],
    unreadable: [],
    deadNodeRuns: [],
    stranded: [],
    problems: [],
  };
  let store: JobStore;
  let scheduler: Scheduler;
  const started = performance.now();
  try {
    store = await createJobStoreFromUrl(url);
    report.store.type = store.constructor.name;
    scheduler = new Scheduler({
      jobStores: { default: store },
      logger: cliLogger,
      role: 'client',
      nodeId: CLI_NODE_ID,
    });
    scheduler.on('job_unreadable', (event) =>
      report.unreadable.push({ id: event.jobId, error: errorLine(event.exception) }),
    );
    // The first heartbeat, in `start()`, takes the runs of dead nodes whose lease has ended and
    // records them as interrupted; this listener hears of each.
    scheduler.on('job_interrupted', (event) => report.deadNodeRuns.push(interruptedRun(event)));
    // A client, as every command's scheduler: it claims, holds and runs nothing. Starting the
    // store checks its schema version, or makes its tables on first use.
    await scheduler.start({ paused: true });
  } catch (error) {
    report.store.error = errorLine(error);
    report.problems.push(`the store cannot be used: ${report.store.error}`);
    return report;
  }
  try {
    report.store.ok = true;
    report.store.latencyMs = Math.round(performance.now() - started);
    report.schema = await schemaOf(store);
    const jobs = await scheduler.getJobs();
    report.jobs = { total: jobs.length, paused: jobs.filter((job) => job.nextRunTime === null).length };
    report.overdue = await overdueJobs(scheduler, jobs);
    report.problems.push(...(await examineCluster(scheduler, report)));
    for (const job of report.overdue) {
      report.problems.push(`job ${job.id} is overdue by ${formatDuration(job.lateMs)}`);
    }
    for (const job of report.unreadable) report.problems.push(`job ${job.id} cannot be read: ${job.error}`);
  } catch (error) {
    report.problems.push(`reading the jobs failed: ${errorLine(error)}`);
  } finally {
    await scheduler.shutdown();
  }
  return report;
}

async function overdueJobs(scheduler: Scheduler, jobs: Job[]): Promise<Report['overdue']> {
  const now = Date.now();
  const overdue: Report['overdue'] = [];
  for (const job of jobs) {
    // getJobHealth reports overdue only from a running scheduler, and this one is paused: the
    // question here is whether any other scheduler runs the store's jobs, so ask it directly.
    const since = overdueSince(job, now);
    if (since === null) continue;
    const health = await scheduler.getJobHealth(job.id);
    overdue.push({
      id: job.id,
      dueSince: since.toISOString(),
      lateMs: now - since.getTime(),
      lastRun: health.lastRun?.finishedAt?.toISOString() ?? null,
    });
  }
  return overdue;
}

/** The layout version the store checked when it started; `null` for a store that keeps nothing. */
async function schemaOf(store: JobStore): Promise<Report['schema']> {
  switch (store.constructor.name) {
    case 'SqliteJobStore':
    case 'PostgresJobStore':
    case 'MySqlJobStore': {
      const { SQL_SCHEMA_VERSION } = await import('../../stores/sql/sql-schema.js');
      return { version: SQL_SCHEMA_VERSION, note: 'tables checked (made on first use)' };
    }
    case 'RedisJobStore': {
      const { REDIS_SCHEMA_VERSION } = await import('../../stores/redis/index.js');
      return { version: REDIS_SCHEMA_VERSION, note: 'key layout checked' };
    }
    case 'ZooKeeperJobStore': {
      const { ZOOKEEPER_SCHEMA_VERSION } = await import('../../stores/zookeeper/index.js');
      return { version: ZOOKEEPER_SCHEMA_VERSION, note: 'node layout checked' };
    }
    case 'EtcdJobStore': {
      const { ETCD_SCHEMA_VERSION } = await import('../../stores/etcd/index.js');
      return { version: ETCD_SCHEMA_VERSION, note: 'key layout checked' };
    }
    default:
      return { version: null, note: 'this store has no schema version' };
  }
}

function printReport(report: Report, zone: string): void {
  const ok = colors.green('✓');
  const bad = colors.red('✗');
  const info = colors.dim('·');
  const { store } = report;
  println(
    store.ok
      ? `${ok} store     ${store.url} (${store.type}) answered in ${store.latencyMs} ms`
      : `${bad} store     ${store.url}: ${store.error}`,
  );
  if (!store.ok) return;
  if (report.schema !== null) {
    const { version, note } = report.schema;
    println(
      `${version === null ? info : ok} schema    ${version === null ? note : `version ${version}: ${note}`}`,
    );
  }
  printNodes(report, zone);
  if (report.jobs !== null) {
    const { total, paused } = report.jobs;
    println(
      `${ok} jobs      ${total} job${total === 1 ? '' : 's'}${paused > 0 ? ` (${paused} paused)` : ''}`,
    );
  }
  if (report.overdue.length === 0 && report.jobs !== null) println(`${ok} overdue   none`);
  for (const job of report.overdue) {
    const last =
      job.lastRun === null ? 'no run on record' : `last run ${formatTime(new Date(job.lastRun), zone)}`;
    println(
      `${bad} overdue   ${colors.cyan(job.id)} due ${formatTime(new Date(job.dueSince), zone)} ` +
        `(${formatDuration(job.lateMs)} ago; ${last})`,
    );
  }
  for (const job of report.unreadable) println(`${bad} unreadable ${colors.cyan(job.id)}: ${job.error}`);
  printClusterFindings(report, zone);
  for (const problem of report.problems.filter((p) => p.startsWith('reading'))) println(`${bad} ${problem}`);
  println(
    report.problems.length === 0
      ? colors.green('No problems found.')
      : colors.red(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found.`),
  );
}
