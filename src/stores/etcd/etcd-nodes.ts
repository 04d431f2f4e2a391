import { deserializeNode, serializeNode } from '../active-run.js';
import { compareIds } from '../job-order.js';
import type { NodeRecord } from '../job-store.js';
import type { EtcdKeyValue, EtcdRequestOp } from './etcd-connection.js';
import type { EtcdActiveRuns, LeaseMove } from './etcd-active-runs.js';
import { emptyPrefix, ops, parseStamped, type EtcdKeys } from './etcd-keys.js';
import { MAX_TXN_OPS, chunks, opBytes, type EtcdRequests } from './etcd-requests.js';

/** Attempts of a heartbeat whose node's runs keep changing under it. */
const ATTEMPTS = 10;

/**
 * Nodes in etcd: a node's heartbeat, and the list of live nodes. A node is one key named by when it
 * expires (`P/nodes/<expires>/<id>`), so the live nodes are a range read from now on and the dead ones
 * a range delete, however many jobs the store holds. A heartbeat replaces the key of the node's
 * previous beat, which this store remembers (a key of the same node left by another process is
 * pruned when it expires, and never listed beside a later one).
 */
export class EtcdNodes {
  /** The key of each node's last beat through this store. */
  private readonly beats = new Map<string, Buffer>();

  constructor(
    private readonly keys: EtcdKeys,
    private readonly requests: EtcdRequests,
    private readonly runs: EtcdActiveRuns,
    private readonly warn: (message: string, error: unknown) => void,
  ) {}

  forget(): void {
    this.beats.clear();
  }

  /**
   * See `JobStore.heartbeat`. An idle node's beat is one transaction, on the condition that it holds
   * no run; when it holds some, that transaction reads them, and a second one moves their leases
   * with the beat, each run compared against its revision as read (split when they do not fit in one).
   */
  async heartbeat(node: NodeRecord, nowMs: number, leaseMs: number): Promise<void> {
    const expires = nowMs + leaseMs;
    const key = this.keys.node(expires, node.id);
    const text = serializeNode({ ...node, lastHeartbeat: new Date(nowMs), expiresAt: new Date(expires) });
    const previous = this.beats.get(node.id);
    const beat: EtcdRequestOp[] = [
      ...(previous === undefined || previous.equals(key) ? [] : [ops.delete(previous)]),
      ops.put(key, text),
      {
        request_delete_range: {
          key: Buffer.from(this.keys.nodes),
          range_end: this.keys.nodesFrom(Math.min(nowMs - leaseMs, expires)),
        },
      },
    ];
    const holders = this.keys.holdersOf(node.id);
    const first = await this.requests.txn('heartbeat', [emptyPrefix(holders)], beat, [ops.range(holders)]);
    let held: EtcdKeyValue[] | null = first.succeeded ? null : heldOf(first);
    let beaten = first.succeeded;
    for (let attempt = 0; held !== null; attempt++) {
      if (attempt >= ATTEMPTS) throw this.requests.contended('heartbeat');
      const moves = held.flatMap((kv) => this.runs.moveLease(node.id, kv, expires) ?? []);
      if (moves.length === 0 && beaten) break;
      const weight = (move: LeaseMove) => move.ops.length;
      const groups = chunks(
        moves,
        MAX_TXN_OPS - beat.length,
        (move) => move.ops.reduce((n, op) => n + opBytes(op), 0),
        weight,
      );
      held = null;
      for (const group of groups.length === 0 ? [[]] : groups) {
        const withBeat = !beaten;
        const response = await this.requests.txn(
          'heartbeat',
          group.map((move) => move.compare),
          [...(withBeat ? beat : []), ...group.flatMap((move) => move.ops)],
          [ops.range(holders)],
        );
        if (!response.succeeded) {
          // A run ended or was taken meanwhile: read them again, and move those not moved yet.
          held = heldOf(response);
          break;
        }
        beaten = true;
        for (const move of group)
          this.runs.remember(node.id, move.runId, {
            job: move.job,
            until: expires,
            revision: response.header.revision,
          });
      }
    }
    this.beats.set(node.id, key);
  }

  /** See `JobStore.removeNode`. */
  async removeNode(id: string): Promise<void> {
    this.beats.delete(id);
    const keys = (await this.requests.scan('remove node', this.keys.nodes))
      .filter((kv) => parseStamped(this.keys.nodes, kv.key).rest === id)
      .map((kv) => ops.delete(kv.key));
    if (keys.length > 0) await this.requests.writeAll('remove node', keys);
  }

  /** See `JobStore.getNodes`; of two keys of one node (see above), the later beat. */
  async getNodes(nowMs: number): Promise<NodeRecord[]> {
    const nodes = new Map<string, NodeRecord>();
    for (const kv of await this.requests.scan('list nodes', this.keys.nodes, this.keys.nodesFrom(nowMs))) {
      let node: NodeRecord;
      try {
        node = deserializeNode(kv.value.toString());
      } catch (error) {
        this.warn(`Node key ${kv.key.toString()} cannot be read and was skipped`, error);
        continue;
      }
      const other = nodes.get(node.id);
      if (other === undefined || other.lastHeartbeat.getTime() < node.lastHeartbeat.getTime())
        nodes.set(node.id, node);
    }
    return [...nodes.values()].sort((a, b) => compareIds(a.id, b.id));
  }
}

/** The `holders/` keys the failure branch of a heartbeat transaction read. */
function heldOf(response: { responses: { response_range?: { kvs: EtcdKeyValue[] } }[] }): EtcdKeyValue[] {
  return response.responses[0]?.response_range?.kvs ?? [];
}
