import type { ActiveRun, JobRelease, ReleaseResult } from '../job-store.js';
import type { EtcdActiveRuns } from './etcd-active-runs.js';
import type { EtcdClaims, Held } from './etcd-claims.js';
import type { EtcdCompare, EtcdRequestOp } from './etcd-connection.js';
import { emptyPrefix, ops, untouchedSince, type EtcdKeys } from './etcd-keys.js';
import { MAX_TXN_OPS, chunks, opBytes, type EtcdRequests } from './etcd-requests.js';

/** Attempts of a release whose jobs' instances others keep changing under it. */
const ATTEMPTS = 10;

/** One job's part of a release: the end of its claim, the runs to store, or both (in one transaction). */
interface Unit {
  jobId: string;
  release: { held: Held; ops: EtcdRequestOp[] } | null;
  runs: { run: ActiveRun; ops: EtcdRequestOp[] }[];
  /** The job's stored runs as last counted, and the revision of that count; null before any count. */
  counted: { count: number; revision: string } | null;
}

/**
 * `JobStore.releaseJobs` in etcd: each job's release and the runs it hands on are one transaction
 * (many jobs share one, as many as etcd takes). The transaction compares the revisions of the job and
 * of its claim (as a release without runs always did), and for each job with runs to store, that its
 * `active/<job>/` range is as counted: empty at first, so a job with no run in progress is released
 * in one round trip; when that fails, the failure branch has read the counts and the claims, and the
 * next attempt stores what those allow, on the condition that no key of the range was written since
 * that read. So two processes storing runs of one job at once never pass `maxInstances` together.
 */
export class EtcdRelease {
  constructor(
    private readonly keys: EtcdKeys,
    private readonly requests: EtcdRequests,
    private readonly claims: EtcdClaims,
    private readonly runs: EtcdActiveRuns,
  ) {}

  async release(schedulerId: string, releases: JobRelease[], runs: ActiveRun[]): Promise<ReleaseResult> {
    if (releases.length === 0 && runs.length === 0) return { lost: [], refused: [] };
    const lost = new Set<string>();
    const refused = new Set<string>();
    const units = new Map<string, Unit>();
    const helds =
      releases.length === 0
        ? []
        : await this.claims.takeHeld(
            schedulerId,
            releases.map((release) => release.id),
          );
    releases.forEach((release, i) => {
      const held = helds[i];
      if (held === undefined) lost.add(release.id);
      else
        units.set(release.id, {
          jobId: release.id,
          release: { held, ops: this.claims.releaseOps(release, held) },
          runs: [],
          counted: null,
        });
    });
    for (const run of runs) {
      const jobId = run.job.id;
      if (lost.has(jobId)) continue;
      let unit = units.get(jobId);
      if (unit === undefined) {
        unit = { jobId, release: null, runs: [], counted: null };
        units.set(jobId, unit);
      }
      unit.runs.push({ run, ops: this.runs.storeOps(run) });
    }
    const writes = (unit: Unit) => [...(unit.release?.ops ?? []), ...unit.runs.flatMap((run) => run.ops)];
    const bytes = (unit: Unit) => writes(unit).reduce((sum, op) => sum + opBytes(op), 0);
    for (const group of chunks([...units.values()], MAX_TXN_OPS, bytes, (unit) => writes(unit).length))
      await this.releaseGroup(group, lost, refused);
    return {
      lost: releases.filter((release) => lost.has(release.id)).map((release) => release.id),
      refused: runs.filter((run) => refused.has(run.id)).map((run) => run.id),
    };
  }

  /** Releases the jobs of one transaction and stores their runs, adding to `lost` and `refused`. */
  private async releaseGroup(group: Unit[], lost: Set<string>, refused: Set<string>): Promise<void> {
    let units = group;
    for (let attempt = 0; units.length > 0; attempt++) {
      if (attempt >= ATTEMPTS) throw this.requests.contended('release jobs');
      const compare: EtcdCompare[] = [];
      const success: EtcdRequestOp[] = [];
      const failure: EtcdRequestOp[] = [];
      const stored: ActiveRun[] = [];
      const refusedHere: string[] = [];
      for (const unit of units) {
        if (unit.release !== null) {
          compare.push(...this.claims.releaseGuards(unit.jobId, unit.release.held));
          success.push(...unit.release.ops);
          failure.push(...this.claims.releaseChecks(unit.jobId));
        }
        if (unit.runs.length === 0) continue;
        let count = unit.counted?.count ?? 0;
        for (const { run, ops: runOps } of unit.runs) {
          if (count >= run.job.maxInstances) {
            refusedHere.push(run.id);
            continue;
          }
          count++;
          stored.push(run);
          success.push(...runOps);
        }
        const prefix = this.keys.activeOf(unit.jobId);
        if (count > (unit.counted?.count ?? 0))
          compare.push(
            unit.counted === null ? emptyPrefix(prefix) : untouchedSince(prefix, unit.counted.revision),
          );
        failure.push(ops.range(prefix, { count_only: true }));
      }
      const response = await this.requests.txn('release jobs', compare, success, failure);
      if (response.succeeded) {
        for (const id of refusedHere) refused.add(id);
        this.runs.stored(stored, response.header.revision);
        return;
      }
      // The failure branch read, at the revision the compares failed at, each claim and each count.
      const reads = response.responses.map((item) => item.response_range);
      let i = 0;
      const next: Unit[] = [];
      for (const unit of units) {
        if (unit.release !== null) {
          const job = reads[i++]?.kvs[0];
          const claim = reads[i++]?.kvs[0];
          if (!this.claims.stillHeld(unit.release.held, job, claim)) {
            // Lost: neither its schedule nor its runs are stored.
            lost.add(unit.jobId);
            if (unit.runs.length > 0) i++;
            continue;
          }
        }
        if (unit.runs.length > 0)
          unit.counted = { count: Number(reads[i++]?.count ?? 0), revision: response.header.revision };
        next.push(unit);
      }
      units = next;
    }
  }
}
