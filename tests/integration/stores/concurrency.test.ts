// Claimers on separate connections (and, for SQLite, separate processes) racing for the same due
// jobs must each get different jobs, and together get all of them.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { FakeClock } from '../../../src/testing.js';
import { buildDist } from '../../helpers/build.js';
import { T0, makeJob } from '../../helpers/jobs.js';
import { STORE_FIXTURES } from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { persistentTargets, sqliteTarget } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';

const context = { alias: 'default', clock: new FakeClock(T0), logger: silentLogger };
const JOBS = 300;

async function fill(store: JobStore, count = JOBS): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `job-${String(i).padStart(5, '0')}`);
  for (const [i, id] of ids.entries()) await store.addJob(makeJob(id, T0 - (i % 17) * 1000));
  return ids;
}

/** Claims in small batches until a claim comes back empty. */
async function drain(store: JobStore, schedulerId: string): Promise<string[]> {
  const claimed: string[] = [];
  for (;;) {
    const jobs = await store.acquireDueJobs(schedulerId, new Date(T0), 60_000, 7);
    if (jobs.length === 0) return claimed;
    claimed.push(...jobs.map((job) => job.id));
  }
}

function expectDisjointCover(claims: string[][], ids: string[]): void {
  const all = claims.flat();
  expect(new Set(all).size, 'a job was claimed twice').toBe(all.length);
  expect(all.sort()).toEqual([...ids].sort());
}

for (const target of persistentTargets()) {
  describe.skipIf(!target.available)(`concurrent claims on ${target.name}`, () => {
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());

    it('gives claimers on separate connections disjoint jobs', async () => {
      const prefix = uniquePrefix('k');
      const stores = [target.open(prefix), target.open(prefix), target.open(prefix)];
      // Started together: the schema lock makes concurrent table creation safe.
      await Promise.all(stores.map((store) => store.start(context)));
      const ids = await fill(stores[0] as JobStore);
      const claims = await Promise.all(stores.map((store, i) => drain(store, `claimer-${i}`)));
      expectDisjointCover(claims, ids);
      await Promise.all(stores.map((store) => store.shutdown()));
    });
  });
}

describe('concurrent claims on SQLite from separate processes', () => {
  const target = sqliteTarget();
  let dist: string;
  beforeAll(async () => {
    await target.prepare();
    dist = await buildDist();
  }, 120_000);
  afterAll(() => target.dispose());

  it('gives each process different jobs', async () => {
    const prefix = uniquePrefix('k');
    const store = target.open(prefix);
    await store.start(context);
    // Enough jobs that the claimer in this process, which sees the go signal first, is still
    // draining when the others wake up on a loaded machine (300 were sometimes all its own).
    const ids = await fill(store, 3000);
    const file = new URL(target.url(prefix)).pathname;
    const run = promisify(execFile);
    const barrier = `${file}.barrier`;
    const names = ['p1', 'p2', 'p3'];
    const processes = names.map(async (name) => {
      const args = [join(STORE_FIXTURES, 'claim-loop.mjs'), file, prefix, name, String(T0), barrier];
      const { stdout } = await run(process.execPath, args, { env: { ...process.env, HORAE_DIST: dist } });
      return JSON.parse(stdout) as string[];
    });
    // All four claimers start together, once every process has its store open, however slow that is.
    await waitUntil(
      () => names.every((name) => existsSync(`${barrier}.${name}`)),
      'the claimer processes to be ready',
      30_000,
      50,
    );
    writeFileSync(`${barrier}.go`, '');
    const here = drain(store, 'in-test');
    const claims = await Promise.all([...processes, here]);
    expectDisjointCover(claims, ids);
    expect(claims.filter((claim) => claim.length > 0).length).toBeGreaterThan(1);
    await store.shutdown();
  }, 60_000);
});
