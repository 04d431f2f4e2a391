import type { Logger } from '../../logger.js';
import { deserializeNode, serializeNode } from '../active-run.js';
import type { NodeRecord } from '../job-store.js';
import type { SqlConnection } from './sql-connection.js';
import type { SqlParts } from './sql-statements.js';

/**
 * `JobStore.heartbeat`: one transaction of three indexed statements, whatever the number of jobs
 * and runs: the node's row is replaced (by its key), the leases of the runs it holds are moved (by
 * the `(node, ...)` index of `activeRuns`), and the nodes dead for over a lease are deleted (by
 * the `expires_at` index).
 */
export async function heartbeat(
  db: SqlConnection,
  { sql }: SqlParts,
  node: NodeRecord,
  now: Date,
  leaseMs: number,
): Promise<void> {
  const nowMs = now.getTime();
  const until = nowMs + leaseMs;
  const text = serializeNode({ ...node, lastHeartbeat: new Date(nowMs), expiresAt: new Date(until) });
  await db.transaction(async (session) => {
    await session.run(sql.upsertNode, [node.id, until, text]);
    await session.run(sql.extendLeases, [until, node.id]);
    await session.run(sql.pruneNodes, [nowMs - leaseMs]);
  });
}

/** `JobStore.getNodes`: the live nodes by id; a row that cannot be read is logged and left out. */
export async function getNodes(
  db: SqlConnection,
  { sql }: SqlParts,
  now: Date,
  logger: Logger | undefined,
): Promise<NodeRecord[]> {
  const { rows } = await db.run(sql.selectNodes, [now.getTime()]);
  const nodes: NodeRecord[] = [];
  for (const row of rows) {
    try {
      nodes.push(deserializeNode(row.node));
    } catch (error) {
      logger?.error(`Node "${String(row.id)}" cannot be read, so it is not listed`, error);
    }
  }
  return nodes;
}
