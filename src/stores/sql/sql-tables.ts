import { JobStoreError } from '../../errors.js';

/** The default prefix of table names, so two applications can share one database. */
export const DEFAULT_TABLE_PREFIX = 'horae_';

/** The tables of one store, as SQL (quoted and, with a schema, qualified), and their bare names. */
export interface TableNames {
  /** `jobs`, `runs` and `schema_version` after the prefix, quoted for SQL. */
  jobs: string;
  runs: string;
  version: string;
  /** `active_runs`: the runs in progress (`ActiveRun`), from the claim to their outcome. */
  activeRuns: string;
  /** `nodes`: one row per scheduler process, kept by its heartbeat (`NodeRecord`). */
  nodes: string;
  /** Unquoted names, for catalog lookups and index names. */
  bare: { jobs: string; runs: string; version: string; activeRuns: string; nodes: string };
  /** The schema (PostgreSQL) the tables live in, or `null` for the connection's default. */
  schema: string | null;
  prefix: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a table prefix or schema name. Names go into SQL text (identifiers cannot be bound as
 * parameters), so only letters, digits and underscores are accepted, and the whole table name must
 * fit the shortest limit of the three databases (63 bytes, PostgreSQL).
 */
export function checkIdentifier(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== 'string' || !(IDENTIFIER.test(value) || (allowEmpty && value === ''))) {
    throw new JobStoreError(
      `Invalid ${field} ${JSON.stringify(value)}: use letters, digits and underscores, not starting with a digit`,
    );
  }
  if (value.length > 40) {
    throw new JobStoreError(`Invalid ${field} ${JSON.stringify(value)}: at most 40 characters`);
  }
  return value;
}

/** Builds the table names for a prefix (default `horae_`) and an optional schema. */
export function tableNames(
  quote: (identifier: string) => string,
  prefix: string = DEFAULT_TABLE_PREFIX,
  schema: string | null = null,
): TableNames {
  checkIdentifier(prefix, 'tablePrefix', true);
  if (schema !== null) checkIdentifier(schema, 'schema');
  const bare = {
    jobs: `${prefix}jobs`,
    runs: `${prefix}runs`,
    version: `${prefix}schema_version`,
    activeRuns: `${prefix}active_runs`,
    nodes: `${prefix}nodes`,
  };
  const qualify = (name: string) => (schema === null ? quote(name) : `${quote(schema)}.${quote(name)}`);
  return {
    jobs: qualify(bare.jobs),
    runs: qualify(bare.runs),
    version: qualify(bare.version),
    activeRuns: qualify(bare.activeRuns),
    nodes: qualify(bare.nodes),
    bare,
    schema,
    prefix,
  };
}
