import { deserializeNode, serializeNode } from '../active-run.js';
import { compareIds } from '../job-order.js';
import type { NodeRecord } from '../job-store.js';
import { ignoreConflict, lostRace, type ZkOp, type ZooKeeperConnection } from './zookeeper-connection.js';
import type { ActiveRuns } from './zookeeper-active-runs.js';
import { parseEntry, type Layout } from './zookeeper-layout.js';

/** Attempts of a heartbeat that lost a race (another node pruned, a run was taken meanwhile). */
const ATTEMPTS = 5;

/**
 * Nodes (`NodeRecord`) in ZooKeeper: one znode per node, `nodes/<expires>~<id>`, holding its last
 * heartbeat. Its name carries its expiry, so a heartbeat finds the nodes to prune, and `getNodes`
 * the live ones, from one listing of names. These are plain znodes, not ephemeral: the contract's
 * expiry is by time, and the sessions folder already frees a dead process's job leases.
 */
export class Nodes {
  constructor(
    private readonly paths: Layout,
    private readonly runs: ActiveRuns,
    private readonly onUnreadable: (path: string, error: unknown) => void,
  ) {}

  /**
   * `JobStore.heartbeat`, in one transaction (two lists of names, the node's groups of held runs,
   * then the commit): the node's new znode in place of its old one, the nodes dead for longer than a
   * lease removed, and the node's held runs moved to a group of the new lease end.
   */
  async heartbeat(zk: ZooKeeperConnection, node: NodeRecord, now: Date, leaseMs: number): Promise<void> {
    const nowMs = now.getTime();
    const expires = nowMs + leaseMs;
    const beat = serializeNode({ ...node, lastHeartbeat: new Date(nowMs), expiresAt: new Date(expires) });
    for (let attempt = 1; ; attempt++) {
      const [names, groups] = await Promise.all([
        zk.getChildren(this.paths.nodes),
        zk.getChildren(this.paths.held),
      ]);
      const ops: ZkOp[] = [];
      for (const name of names) {
        const entry = parseEntry(name);
        if (entry !== null && (entry.id === node.id || entry.time < nowMs - leaseMs))
          ops.push({ op: 'remove', path: `${this.paths.nodes}/${name}` });
      }
      ops.push({ op: 'create', path: this.paths.node(node.id, expires), data: beat });
      try {
        const moves = await this.runs.moves(zk, node.id, groups, expires);
        for (const batch of moves.before) await zk.commit(batch);
        await zk.commit([...ops, ...moves.final]);
        moves.done();
        return;
      } catch (error) {
        if (attempt < ATTEMPTS && lostRace(error)) continue;
        throw error;
      }
    }
  }

  /** `JobStore.removeNode`: its znode goes; its runs stay until their lease ends. */
  async remove(zk: ZooKeeperConnection, id: string): Promise<void> {
    const names = (await zk.getChildren(this.paths.nodes)).filter((name) => parseEntry(name)?.id === id);
    await Promise.all(names.map((name) => zk.remove(`${this.paths.nodes}/${name}`).catch(ignoreConflict)));
  }

  /** `JobStore.getNodes`: the nodes whose expiry is not before `now`, read from their znodes, by id. */
  async list(zk: ZooKeeperConnection, now: Date): Promise<NodeRecord[]> {
    const nowMs = now.getTime();
    const live = new Map<string, { name: string; time: number }>();
    for (const name of await zk.getChildren(this.paths.nodes)) {
      const entry = parseEntry(name);
      if (entry === null || entry.time < nowMs) continue;
      // Two znodes of one node (a heartbeat racing its own): the later one.
      if ((live.get(entry.id)?.time ?? -1) < entry.time) live.set(entry.id, { name, time: entry.time });
    }
    const read = await Promise.all(
      [...live.values()].map(async ({ name }) => {
        const path = `${this.paths.nodes}/${name}`;
        const stored = await zk.read(path);
        if (stored === null) return null;
        try {
          return deserializeNode(stored.data);
        } catch (error) {
          this.onUnreadable(path, error);
          return null;
        }
      }),
    );
    return read.filter((node) => node !== null).sort((a, b) => compareIds(a.id, b.id));
  }
}
