// The built `horae` binary beside scheduler nodes on one store (SQLite, and PostgreSQL when
// HORAE_POSTGRES_URL is set): `nodes` lists them, `runs` shows the runs in progress, `job run-now`
// hands a run to the cluster's workers, and `doctor` finds the run of a node killed mid-run and a
// run that no live node can take.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { postgresTarget, sqliteTarget, type StoreTarget } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';
import { horae, json, startHorae, TASKS, useBuiltCli } from './cli-harness.js';

useBuiltCli();

/** `block(file, flag)`: in progress until the file `flag` exists. */
const BLOCK = `${resolve(import.meta.dirname, 'fixtures/cluster-tasks.mjs')}:block`;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface NodeJson {
  id: string;
  role: string;
  pid: number;
  executors: string[];
  heldRuns: number;
}

interface ActiveRunJson {
  jobId: string;
  state: string;
  node: string | null;
  nodeLive: boolean | null;
  manual: boolean;
  recovery: boolean;
}

interface DoctorJson {
  ok: boolean;
  nodes: NodeJson[];
  deadNodeRuns: { jobId: string; node: string; state: string; recovered: boolean }[];
  stranded: { jobId: string; executor: string }[];
  problems: string[];
}

describe.each([sqliteTarget(), postgresTarget()])('horae on a cluster on $name', (target: StoreTarget) => {
  const dir = mkdtempSync(join(tmpdir(), 'horae-cli-cluster-'));
  const log = join(dir, 'runs.log');
  let prefix = '';
  let store = '';
  const workers: Scheduler[] = [];
  /** `horae ...args --store <this test's store>`. */
  const run = (...args: string[]) => horae([...args, '--store', store]);
  const lines = () => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };
  /** A fresh flag file for `block`; the run ends when `release` writes it. */
  const gate = () => {
    const flag = join(dir, `flag-${randomBytes(3).toString('hex')}`);
    return { flag, release: () => writeFileSync(flag, '') };
  };

  /** A scheduler node in this process on the test's store, heartbeating every 0.2 s. */
  const startWorker = async (): Promise<{ scheduler: Scheduler; id: string }> => {
    const id = `worker-${randomBytes(3).toString('hex')}`;
    const scheduler = new Scheduler({
      jobStores: { default: target.open(prefix) },
      nodeId: id,
      heartbeatInterval: 0.2,
      leaseTime: 2,
      logger: silent,
    });
    await scheduler.start();
    workers.push(scheduler);
    return { scheduler, id };
  };
  const stopWorkers = async () => {
    for (const scheduler of workers.splice(0)) {
      if (scheduler.state !== 'stopped') await scheduler.shutdown();
    }
  };

  beforeAll(async () => {
    if (!target.available) return;
    await target.prepare();
    prefix = uniquePrefix('clicl');
    store = target.url(prefix);
  });
  afterEach(stopWorkers);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target.dispose();
  });

  it.skipIf(!target.available)('nodes lists the scheduler on the store, not the command itself', async () => {
    expect((await run('nodes')).stdout).toBe('No live nodes: no scheduler is heartbeating in this store.\n');
    const { id } = await startWorker();

    const listed = await run('nodes', '--json');
    expect(listed.code).toBe(0);
    expect(json<NodeJson[]>(listed)).toEqual([
      expect.objectContaining({ id, role: 'both', pid: process.pid, executors: ['default'], heldRuns: 0 }),
    ]);

    const text = await run('nodes', '--tz', 'UTC');
    expect(text.stdout).toMatch(/^ID +ROLE +HOST +PID +STARTED +LAST HEARTBEAT +RUNS +EXECUTORS\n/);
    expect(text.stdout).toMatch(
      new RegExp(
        `^${id} +both +\\S+ +${process.pid} +\\d{4}-\\d\\d-\\d\\d [\\d:.]+ UTC +[\\d.]+ m?s ago +0 +default$`,
        'm',
      ),
    );
    expect(text.stdout).toMatch(/^1 node\n$/m);
  });

  it.skipIf(!target.available)(
    "job run-now hands the run to the cluster's workers; runs shows it held by the node",
    async () => {
      const { id } = await startWorker();
      const { flag, release } = gate();
      const added = await run(
        'job',
        'add',
        BLOCK,
        '--interval',
        '1h',
        '--id',
        'long',
        '--args',
        JSON.stringify([log, flag]),
      );
      expect(added.code).toBe(0);

      const handed = await run('job', 'run-now', 'long');
      expect(handed.code).toBe(0);
      expect(handed.stdout).toBe(
        `→ Job long handed to the cluster's workers (1 live: ${id}; it runs when one of them takes it)\n`,
      );
      // Run by the worker in this process, not by the command's.
      await waitUntil(() => lines().includes(`started ${process.pid}`), 'the worker to start the run');

      const active = await run('runs', '--json');
      expect(active.code).toBe(0);
      expect(json<ActiveRunJson[]>(active)).toEqual([
        expect.objectContaining({
          jobId: 'long',
          state: 'held',
          node: id,
          nodeLive: true,
          manual: true,
          recovery: false,
        }),
      ]);
      const table = await run('runs', '--tz', 'UTC');
      expect(table.stdout).toMatch(/^JOB +STATE +NODE +SINCE +SCHEDULED\n/);
      expect(table.stdout).toMatch(
        new RegExp(`^long +held, manual +${id} +\\d{4}-\\d\\d-\\d\\d [\\d:.]+ UTC +`, 'm'),
      );
      expect(table.stdout).toMatch(/^1 run in progress: 1 held, 0 waiting\n$/m);
      expect(json<NodeJson[]>(await run('nodes', '--json'))[0]?.heldRuns).toBe(1);

      release();
      await waitUntil(async () => (await run('runs', '--json')).stdout.trim() === '[]', 'the run to end');
      const history = json<{ outcome: string; manual: boolean; schedulerId: string }[]>(
        await run('runs', 'long', '--json'),
      );
      expect(history).toEqual([
        expect.objectContaining({ outcome: 'success', manual: true, schedulerId: id }),
      ]);
    },
  );

  it.skipIf(!target.available)(
    '--wait waits for the outcome on the worker; --here runs it in the command',
    async () => {
      const { id } = await startWorker();
      await run(
        'job',
        'add',
        `${TASKS}:touch`,
        '--interval',
        '1h',
        '--id',
        'report',
        '--args',
        JSON.stringify([log]),
      );

      const waited = await run('job', 'run-now', 'report', '--wait', '--json');
      expect(waited.code).toBe(0);
      expect(json(waited)).toMatchObject({
        id: 'report',
        outcome: 'success',
        handedOver: true,
        node: id,
        returnValue: { ran: true },
      });
      expect(lines().at(-1)).toBe(`ran ${process.pid}`);
      const text = await run('job', 'run-now', 'report', '--wait');
      expect(text.stdout).toMatch(
        new RegExp(`^✓ Job report ran in \\d+ ms on node ${id}, returned \\{"ran":true\\}\\n$`),
      );

      const here = await run('job', 'run-now', 'report', '--here', '--json');
      expect(here.code).toBe(0);
      expect(json(here)).toMatchObject({ outcome: 'success', handedOver: false });
      expect(lines().at(-1)).toMatch(/^ran \d+$/);
      expect(lines().at(-1)).not.toBe(`ran ${process.pid}`);

      const both = await run('job', 'run-now', 'report', '--here', '--wait');
      expect(both.code).toBe(2);
      expect(both.stderr).toBe('horae: Give --here or --wait, not both: a run here is always waited for\n');
    },
  );

  it.skipIf(!target.available)('job add --requests-recovery; job show tells it', async () => {
    const added = await run(
      'job',
      'add',
      `${TASKS}:touch`,
      '--interval',
      '1h',
      '--id',
      'precious',
      '--requests-recovery',
      '--json',
    );
    expect(added.code).toBe(0);
    expect(json(added)).toMatchObject({ id: 'precious', requestsRecovery: true });
    expect((await run('job', 'show', 'precious')).stdout).toMatch(
      /^if interrupted +runs once more \(requestsRecovery\)$/m,
    );
    expect(json(await run('job', 'show', 'report', '--json'))).toMatchObject({ requestsRecovery: false });
  });

  it.skipIf(!target.available)(
    'a run handed over with no worker live waits, for its misfire grace time; doctor says so',
    async () => {
      // A job without a misfire grace time, added as any program would.
      const client = new Scheduler({
        jobStores: { default: target.open(prefix) },
        role: 'client',
        logger: silent,
      });
      await client.start();
      await client.addJob(`${TASKS}:touch`, 'interval', {
        hours: 1,
        id: 'patient',
        misfireGraceTime: null,
        args: [log],
      });
      await client.shutdown();

      const report = await run('job', 'run-now', 'report', '--cluster');
      expect(report.code).toBe(0);
      expect(report.stdout).toBe(
        "→ Job report handed to the cluster's workers (none is live now: it waits in the store and is missed unless one starts it within 1 s)\n",
      );
      const patient = await run('job', 'run-now', 'patient', '--cluster');
      expect(patient.stdout).toBe(
        "→ Job patient handed to the cluster's workers (none is live now: it waits in the store until one starts)\n",
      );
      expect(json<ActiveRunJson[]>(await run('runs', '--json'))).toEqual([
        expect.objectContaining({ jobId: 'report', state: 'waiting', node: null, nodeLive: null }),
        expect.objectContaining({ jobId: 'patient', state: 'waiting', node: null, nodeLive: null }),
      ]);

      const doctor = await run('doctor', '--json');
      expect(doctor.code).toBe(1);
      const found = json<DoctorJson>(doctor);
      expect(found.stranded.map((run) => [run.jobId, run.executor])).toEqual([
        ['report', 'default'],
        ['patient', 'default'],
      ]);
      expect(found.problems).toEqual(
        ['report', 'patient'].map(
          (job) => `a run of job ${job} waits for a worker of executor "default", and no live node runs it`,
        ),
      );

      // A worker that starts takes both: the patient run runs, the other is past its grace time.
      const before = lines().length;
      const { id } = await startWorker();
      await waitUntil(() => lines().length > before, 'the new worker to run the waiting run');
      expect(lines().slice(before)).toEqual([`ran ${process.pid}`]);
      await waitUntil(async () => (await run('runs', '--json')).stdout.trim() === '[]', 'the runs to end');
      expect(json(await run('runs', 'report', '--json'))).toContainEqual(
        expect.objectContaining({ outcome: 'missed', manual: true, schedulerId: id }),
      );
      const healthy = await run('doctor', '--tz', 'UTC');
      expect(healthy.code).toBe(0);
      expect(healthy.stdout).toMatch(/^✓ nodes +1 live\n +\S+ \(both\) on \S+, since .* UTC$/m);
      expect(healthy.stdout).toContain(id);
    },
  );

  it.skipIf(!target.available)(
    'a run held by a node that left: doctor lists it until its lease ends',
    async () => {
      // A node that left without ending its run (its process lost the store before `finishRuns`).
      const probe: JobStore = target.open(prefix);
      await probe.start({ alias: 'default', clock: new SystemClock(), logger: silent });
      const job = await probe.lookupJob('report');
      const now = Date.now();
      await probe.releaseJobs(
        'ghost',
        [],
        [
          {
            id: 'ghost/1',
            job: job!,
            scheduledRunTimes: [new Date(now)],
            node: 'ghost',
            leaseUntil: new Date(now + 600_000),
            manual: false,
            recovery: false,
            createdAt: new Date(now),
          },
        ],
      );
      try {
        const doctor = await run('doctor', '--json');
        expect(doctor.code).toBe(1);
        expect(json<DoctorJson>(doctor).deadNodeRuns).toEqual([
          expect.objectContaining({ jobId: 'report', node: 'ghost', state: 'held', recovered: false }),
        ]);
        expect(json<DoctorJson>(doctor).problems).toContainEqual(
          expect.stringMatching(
            /^a run of job report \(due .+\) is held by node ghost, which stopped heartbeating; it is recorded as interrupted once its lease ends$/,
          ),
        );
        expect((await run('runs')).stdout).toMatch(/^report +held \(node gone\) +ghost +/m);
      } finally {
        await probe.finishRuns('ghost', ['ghost/1'], [], 10);
        await probe.shutdown();
      }
    },
  );

  it.skipIf(!target.available)(
    'a node killed mid-run: doctor records the run as interrupted, the history shows its node',
    async () => {
      const { flag, release } = gate();
      const node = `doomed-${randomBytes(3).toString('hex')}`;
      writeFileSync(
        join(dir, 'doomed.config.mjs'),
        `export default {
          nodeId: ${JSON.stringify(node)}, leaseTime: 1, heartbeatInterval: 0.2,
          jobs: [{ func: ${JSON.stringify(BLOCK)}, trigger: 'interval', hours: 1, nextRunTime: new Date(),
                   id: 'doomed', requestsRecovery: true, args: [${JSON.stringify(log)}, ${JSON.stringify(flag)}] }],
        };\n`,
      );
      const cli = await startHorae(['run', './doomed.config.mjs', '--store', store], 'Scheduler running', {
        cwd: dir,
      });
      const pid = cli.child.pid as number;
      await waitUntil(() => lines().includes(`started ${pid}`), 'the doomed node to start its run');
      expect(json<NodeJson[]>(await run('nodes', '--json'))).toEqual([
        expect.objectContaining({ id: node, role: 'both', pid, heldRuns: 1 }),
      ]);
      cli.child.kill('SIGKILL');
      await cli.exited;

      // Read the store directly: a command would record the interruption itself once the lease ends.
      const probe: JobStore = target.open(prefix);
      await probe.start({ alias: 'default', clock: new SystemClock(), logger: silent });
      try {
        await waitUntil(async () => {
          const now = new Date();
          const runs = await probe.getActiveRuns();
          return runs.length === 1 && (runs[0]?.leaseUntil?.getTime() ?? Infinity) < now.getTime();
        }, "the doomed node's lease to end");
      } finally {
        await probe.shutdown();
      }

      release();
      const doctor = await run('doctor', '--json');
      expect(doctor.code).toBe(1);
      const report = json<DoctorJson>(doctor);
      expect(report.nodes).toEqual([]);
      expect(report.deadNodeRuns).toEqual([
        expect.objectContaining({ jobId: 'doomed', node, state: 'interrupted', recovered: true }),
      ]);
      // The job asked for a second run, which now waits for a worker.
      expect(report.stranded).toEqual([expect.objectContaining({ jobId: 'doomed' })]);
      expect(report.problems).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^a run of job doomed \\(due [^)]+\\) was interrupted: node ${node} stopped heartbeating during it; it runs once more, as the job asks$`,
          ),
        ),
      );
      expect(json<ActiveRunJson[]>(await run('runs', '--json'))).toEqual([
        expect.objectContaining({ jobId: 'doomed', state: 'waiting', recovery: true }),
      ]);

      const history = await run('runs', 'doomed', '--json');
      expect(json(history)).toEqual([expect.objectContaining({ outcome: 'interrupted', schedulerId: node })]);
      const text = await run('runs', 'doomed');
      expect(text.stdout).toMatch(
        new RegExp(`^.* +interrupted +- +node ${node} stopped heartbeating during the run$`, 'm'),
      );

      // A worker runs the recovery run; the store is healthy again.
      await startWorker();
      await waitUntil(() => lines().includes(`finished ${process.pid}`), 'the recovery run');
      await waitUntil(async () => (await run('runs', '--json')).stdout.trim() === '[]', 'the run to end');
      const again = json<DoctorJson>(await run('doctor', '--json'));
      expect(again.deadNodeRuns).toEqual([]);
      expect(again.ok).toBe(true);
    },
  );
});
