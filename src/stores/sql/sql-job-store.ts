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
  JobRelease,
  JobStore,
  JobStoreContext,
  JobStorePage,
  JobStoreQuery,
  RunRecord,
} from '../job-store.js';
import { deserializeRunRecord, serializeRunRecord, startedMs } from '../run-record.js';
import { IN_LIST_CHUNK, placeholders } from './sql-claim.js';
import type { SqlConnection } from './sql-connection.js';
import type { JobRow, SqlDialect } from './sql-dialect.js';
import { readJobRow, toMs } from './sql-rows.js';
import { queryJobRows } from './sql-query.js';
import { prepareSchema } from './sql-schema.js';
import { statements } from './sql-statements.js';
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
 * Run records per INSERT statement (four parameters each): the scheduler's batch of a turn is
 * one statement; only a larger batch (written after an outage) takes more.
 */
const RUN_INSERT_CHUNK = 1000;

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
 */
export class SqlJobStore implements JobStore {
  readonly persistent = true;
  private db: SqlConnection | null = null;
  private context: JobStoreContext | null = null;
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly config: SqlJobStoreConfig) {
    this.sql = statements(config.tables, config.dialect);
  }

  async start(context: JobStoreContext): Promise<void> {
    this.context = context;
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
      this.config.dialect.claimDueJobs(db, this.config.tables, request),
    );
    // Claim order is the database's; the contract's is next run time, then id.
    return this.readRows(rows).sort(compareJobs);
  }

  async releaseJobs(schedulerId: string, releases: JobRelease[]): Promise<void> {
    await this.guard('release jobs', async (db) => {
      const removed = releases.filter((release) => release.remove).map((release) => release.id);
      for (let start = 0; start < removed.length; start += IN_LIST_CHUNK) {
        const ids = removed.slice(start, start + IN_LIST_CHUNK);
        await db.run(`${this.sql.deleteLeased}(${placeholders(ids.length)})`, [schedulerId, ...ids]);
      }
      const kept = releases.filter((release) => !release.remove);
      for (let start = 0; start < kept.length; start += IN_LIST_CHUNK) {
        const chunk = kept.slice(start, start + IN_LIST_CHUNK);
        const params: unknown[] = [];
        for (const release of chunk) params.push(release.id, ms(release.nextRunTime));
        for (const release of chunk) params.push(release.id, ms(release.nextFireTime));
        params.push(schedulerId, ...chunk.map((release) => release.id));
        await db.run(this.sql.release(chunk.length), params);
      }
    });
  }

  async addRun(record: RunRecord, retention: number): Promise<void> {
    await this.addRuns([record], retention);
  }

  /**
   * Writes what it is given, as it is given (the scheduler batches the records of a turn): one
   * multi-row INSERT, then one DELETE trimming the jobs of these records to their newest `retention`.
   */
  async addRuns(records: RunRecord[], retention: number): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((record) => {
      const started = startedMs(record);
      return [
        record.jobId,
        record.scheduledRunTime.getTime(),
        Number.isNaN(started) ? null : started,
        serializeRunRecord(record),
      ];
    });
    await this.guard('record runs', async (db) => {
      for (let start = 0; start < rows.length; start += RUN_INSERT_CHUNK) {
        const chunk = rows.slice(start, start + RUN_INSERT_CHUNK);
        const values = chunk.map(() => '(?, ?, ?, ?)').join(', ');
        await db.run(`${this.sql.insertRuns}${values}`, chunk.flat());
      }
      const jobIds = [...new Set(records.map((record) => record.jobId))];
      for (let start = 0; start < jobIds.length; start += IN_LIST_CHUNK) {
        const ids = jobIds.slice(start, start + IN_LIST_CHUNK);
        await db.run(this.sql.trimRuns(placeholders(ids.length)), [...ids, retention]);
      }
    });
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
