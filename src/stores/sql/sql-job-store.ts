import {
  ConflictingIdError,
  HoraeError,
  JobLookupError,
  JobStoreError,
  SerializationError,
} from '../../errors.js';
import type { JobState } from '../../job-state.js';
import type { Logger } from '../../logger.js';
import { serializeJob } from '../job-serializer.js';
import { compareJobs } from '../job-order.js';
import type {
  ActiveRun,
  InterruptedRun,
  JobRelease,
  JobStore,
  JobStoreContext,
  JobStorePage,
  JobStoreQuery,
  NodeRecord,
  ReleaseResult,
  RunRecord,
} from '../job-store.js';
import { deserializeRunRecord } from '../run-record.js';
import * as activeRuns from './sql-active-runs.js';
import { IN_LIST_CHUNK, dueJobsClaim } from './sql-claim.js';
import type { SqlConnection } from './sql-connection.js';
import type { JobRow, SqlDialect } from './sql-dialect.js';
import { getNodes, heartbeat } from './sql-nodes.js';
import { readActiveRunRow, readJobRow, toMs } from './sql-rows.js';
import { queryJobRows } from './sql-query.js';
import { writeRunRecords } from './sql-records.js';
import { releaseJobs } from './sql-release.js';
import { prepareSchema } from './sql-schema.js';
import { statements, type SqlParts } from './sql-statements.js';
import type { TableNames } from './sql-tables.js';

/** What a backend hands the shared SQL store. */
export interface SqlJobStoreConfig {
  dialect: SqlDialect;
  tables: TableNames;
  /** Opens the connection (or pool) when the store starts; `logger` gets errors the driver reports on its own. */
  connect(logger: Logger): Promise<SqlConnection>;
  /** The database in messages, without secrets: `SQLite file /srv/jobs.sqlite`, `PostgreSQL at db:5432/app`. */
  describe(): string;
}

/**
 * The job store shared by the SQL backends: one row per job holding the serialized job (JSON) with
 * its next run time in an indexed BIGINT column (epoch ms) and its lease in `acquired_by` /
 * `acquired_until`; run records in a second table. Portable SQL lives here; what differs between
 * databases is asked of the `SqlDialect`. See `SqliteJobStore`, `PostgresJobStore`, `MySqlJobStore`.
 *
 * A job whose stored document cannot be read (written by a newer Horae, a trigger type this process
 * does not know, hand-edited) is never deleted: listing skips it, `lookupJob` throws
 * `SerializationError`, and a claim leases it without returning it, so it is reported once per lease
 * period instead of waking the scheduler in a loop. Updating or removing it works as for any job.
 *
 * The cluster half of the contract (runs in progress, nodes) lives in two more tables, `activeRuns`
 * and `nodes`; see `sql-release.ts`, `sql-active-runs.ts` and `sql-nodes.ts`. A stored run that
 * cannot be read is kept as it is, reported once by each process and passed over from then on.
 */
export class SqlJobStore implements JobStore {
  readonly persistent = true;
  private db: SqlConnection | null = null;
  private context: JobStoreContext | null = null;
  private readonly sql: ReturnType<typeof statements>;
  private readonly parts: SqlParts;
  /** Ids of stored runs found unreadable, passed over by the calls that take runs (`ActiveRunReader`). */
  private readonly unreadableRuns = new Set<string>();
  private readonly runReader: activeRuns.ActiveRunReader = {
    read: (row, holder) => this.readRun(row, holder),
    unreadable: () => [...this.unreadableRuns],
  };

  constructor(private readonly config: SqlJobStoreConfig) {
    this.sql = statements(config.tables, config.dialect);
    this.parts = { tables: config.tables, dialect: config.dialect, sql: this.sql };
  }

  async start(context: JobStoreContext): Promise<void> {
    this.context = context;
    this.unreadableRuns.clear();
    if (this.db !== null) return;
    let db: SqlConnection;
    try {
      db = await this.config.connect(context.logger);
    } catch (cause) {
      throw this.failure('connect', cause);
    }
    try {
      await prepareSchema(db, this.config.dialect, this.config.tables);
    } catch (cause) {
      await db.close().catch(() => undefined);
      throw this.failure('start', cause);
    }
    this.db = db;
  }

  async shutdown(): Promise<void> {
    const db = this.db;
    this.db = null;
    await db?.close();
  }

  async addJob(job: JobState): Promise<void> {
    const document = JSON.stringify(serializeJob(job));
    await this.guard('add a job', async (db) => {
      try {
        await db.run(this.sql.insertJob, [job.id, document, ms(job.nextRunTime), ms(job.nextFireTime)]);
      } catch (error) {
        if (this.config.dialect.isDuplicateKey(error)) throw new ConflictingIdError(job.id);
        throw error;
      }
    });
  }

  async updateJob(job: JobState): Promise<void> {
    const document = JSON.stringify(serializeJob(job));
    await this.guard('update a job', async (db) => {
      const params = [document, ms(job.nextRunTime), ms(job.nextFireTime), job.id];
      const { changes } = await db.run(this.sql.updateJob, params);
      if (changes === 0) throw new JobLookupError(job.id, this.context?.alias);
    });
  }

  async removeJob(id: string): Promise<void> {
    await this.guard('remove a job', async (db) => {
      const { changes } = await db.run(this.sql.deleteJob, [id]);
      if (changes === 0) throw new JobLookupError(id, this.context?.alias);
    });
  }

  async removeAllJobs(): Promise<void> {
    await this.guard('remove all jobs', (db) => db.run(this.sql.deleteAllJobs));
  }

  async lookupJob(id: string): Promise<JobState | null> {
    const { rows } = await this.guard('look up a job', (db) => db.run(this.sql.selectJob, [id]));
    const row = rows[0];
    return row === undefined ? null : readJobRow(row as unknown as JobRow);
  }

  async getAllJobs(): Promise<JobState[]> {
    const { rows } = await this.guard('list jobs', (db) => db.run(this.sql.selectAllJobs));
    return this.readRows(rows as unknown as JobRow[]);
  }

  /** Selects, orders, pages and counts in the database (`sql-query.ts`). */
  async queryJobs(query: JobStoreQuery): Promise<JobStorePage> {
    const { tables, dialect } = this.config;
    const { rows, total } = await this.guard('query jobs', (db) => queryJobRows(db, tables, dialect, query));
    return { jobs: this.readRows(rows), total };
  }

  async getNextRunTime(): Promise<Date | null> {
    const { rows } = await this.guard('find the next run time', (db) => db.run(this.sql.nextRunTime));
    const free = toMs(rows[0]?.free_at);
    const leased = toMs(rows[0]?.leased_at);
    const next = Math.min(free ?? Infinity, leased ?? Infinity);
    return next === Infinity ? null : new Date(next);
  }

  async acquireDueJobs(schedulerId: string, now: Date, leaseMs: number, limit: number): Promise<JobState[]> {
    const request = { schedulerId, now: now.getTime(), until: now.getTime() + leaseMs, limit };
    const rows = await this.guard('claim due jobs', (db) =>
      this.config.dialect.claimRows(db, dueJobsClaim(this.config.tables, request)),
    );
    // Claim order is the database's; the contract's is next run time, then id.
    return this.readRows(rows as unknown as JobRow[]).sort(compareJobs);
  }

  async releaseJobs(
    schedulerId: string,
    releases: JobRelease[],
    runs: ActiveRun[] = [],
  ): Promise<ReleaseResult> {
    return this.guard('release jobs', (db) => releaseJobs(db, this.parts, schedulerId, releases, runs));
  }

  async acquireRuns(
    node: string,
    executors: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<ActiveRun[]> {
    const request = { node, executors, until: now.getTime() + leaseMs, limit };
    return this.guard('claim waiting runs', (db) =>
      activeRuns.acquireRuns(db, this.parts, this.runReader, request),
    );
  }

  async finishRuns(node: string, runIds: string[], records: RunRecord[], retention: number): Promise<void> {
    await this.guard('finish runs', (db) =>
      activeRuns.finishRuns(db, this.parts, node, runIds, records, retention),
    );
  }

  async takeInterruptedRuns(now: Date, limit: number, retention: number): Promise<InterruptedRun[]> {
    return this.guard('take interrupted runs', (db) =>
      activeRuns.takeInterruptedRuns(db, this.parts, this.runReader, now, limit, retention),
    );
  }

  async getActiveRuns(): Promise<ActiveRun[]> {
    return this.guard('list runs in progress', (db) =>
      activeRuns.getActiveRuns(db, this.parts, this.runReader),
    );
  }

  async heartbeat(node: NodeRecord, now: Date, leaseMs: number): Promise<void> {
    await this.guard('store a heartbeat', (db) => heartbeat(db, this.parts, node, now, leaseMs));
  }

  async removeNode(id: string): Promise<void> {
    await this.guard('remove a node', (db) => db.run(this.sql.deleteNode, [id]));
  }

  async getNodes(now: Date): Promise<NodeRecord[]> {
    return this.guard('list nodes', (db) => getNodes(db, this.parts, now, this.context?.logger));
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    await this.addRuns([record], retention);
  }

  /** Writes what it is given, as it is given (`writeRunRecords`). */
  async addRuns(records: RunRecord[], retention: number): Promise<void> {
    if (records.length === 0) return;
    await this.guard('record runs', (db) => writeRunRecords(db, this.sql, records, retention));
  }

  async getRuns(jobId: string, limit: number): Promise<RunRecord[]> {
    const { rows } = await this.guard('read run records', (db) =>
      db.run(this.sql.selectRuns, [jobId, limit]),
    );
    const records: RunRecord[] = [];
    for (const row of rows) {
      try {
        records.push(deserializeRunRecord(row.record));
      } catch (error) {
        this.context?.logger.error(`A run record of job "${jobId}" cannot be read and was skipped`, error);
      }
    }
    return records;
  }

  /** Reads rows, reporting (and leaving out) the ones that cannot be read. */
  private readRows(rows: JobRow[]): JobState[] {
    const jobs: JobState[] = [];
    for (const row of rows) {
      try {
        jobs.push(readJobRow(row));
      } catch (error) {
        const id = String(row.id);
        const context = this.context;
        context?.logger.error(
          `Job "${id}" in job store "${context.alias}" cannot be read, so it is skipped (and kept in the store): ${
            (error as Error).message
          }`,
          error,
        );
        if (error instanceof SerializationError) context?.reportUnreadableJob?.(id, error);
      }
    }
    return jobs;
  }

  /** Reads a stored run; reports one that cannot be read (once) and returns `null` for it. */
  private readRun(
    row: Record<string, unknown>,
    holder?: { node: string | null; leaseUntil: Date | null },
  ): ActiveRun | null {
    try {
      return readActiveRunRow(row, holder);
    } catch (error) {
      const id = String(row.id);
      const jobId = String(row.job_id);
      const context = this.context;
      context?.logger.error(
        `Run "${id}" of job "${jobId}" in job store "${context.alias}" cannot be read, so it is skipped ` +
          `(and kept in the store): ${(error as Error).message}`,
        error,
      );
      if (error instanceof SerializationError) context?.reportUnreadableJob?.(jobId, error);
      if (this.unreadableRuns.size < IN_LIST_CHUNK) this.unreadableRuns.add(id);
      return null;
    }
  }

  /** Runs `work` on the open connection; a driver error becomes a `JobStoreError` naming the action. */
  private async guard<T>(action: string, work: (db: SqlConnection) => Promise<T>): Promise<T> {
    const db = this.db;
    if (db === null) {
      throw new JobStoreError(
        `${this.config.dialect.label} job store cannot ${action}: it is not started (the scheduler starts it)`,
        { jobStore: this.context?.alias },
      );
    }
    try {
      return await work(db);
    } catch (error) {
      throw this.failure(action, error);
    }
  }

  private failure(action: string, cause: unknown): HoraeError {
    if (cause instanceof HoraeError) return cause;
    const alias = this.context?.alias;
    const message = cause instanceof Error ? cause.message || String(cause) : String(cause);
    return new JobStoreError(
      `${this.config.dialect.label} job store${alias === undefined ? '' : ` "${alias}"`} could not ${action} ` +
        `(${this.config.describe()}): ${message}`,
      { jobStore: alias, cause },
    );
  }
}

function ms(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}
