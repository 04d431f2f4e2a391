// The cluster in the admin API and the dashboard's pages, on SQLite (and PostgreSQL when
// HORAE_POSTGRES_URL is set): the nodes of the store, its runs in progress, and a run of a dead
// node recorded as interrupted (history, overview, event stream).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import { Scheduler } from '../../../src/index.js';
import type { ServeAdminOptions } from '../../../src/admin/index.js';
import type { JobStore } from '../../../src/stores/job-store.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { postgresTarget, sqliteTarget } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';
import { startAdmin, type AdminFixture } from './harness.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
/** A node id with markup, to check that the pages escape it. */
const WORKER = '<i>worker</i> & co';

for (const target of [sqliteTarget(), postgresTarget()]) {
  describe.skipIf(!target.available)(`the cluster in the admin on ${target.name}`, () => {
    let fixture: (AdminFixture & { release(): void }) | undefined;
    let prefix = '';
    const others: Scheduler[] = [];
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());
    afterEach(async () => {
      await fixture?.close();
      fixture = undefined;
      for (const scheduler of others.splice(0)) await scheduler.shutdown();
    });

    /** The admin's scheduler, node `admin-node`, heartbeating every 0.2 s on a fresh store. */
    const start = async (admin: Partial<ServeAdminOptions> = {}) => {
      prefix = uniquePrefix('admcl');
      fixture = await startAdmin({
        store: target.open(prefix),
        basePath: '/admin',
        schedulerOptions: { nodeId: 'admin-node', heartbeatInterval: 0.2, leaseTime: 2 },
        ...admin,
      });
      return fixture;
    };
    const page = async (path: string) => {
      const response = await fetch(`${fixture!.base}${path}`);
      expect(response.status, path).toBe(200);
      return response.text();
    };

    it('lists the nodes and the runs in progress, without the jobs’ args', async () => {
      const { api, ran, release } = await start();
      const worker = new Scheduler({
        jobStores: { default: target.open(prefix) },
        role: 'worker',
        nodeId: WORKER,
        logger: silent,
      });
      await worker.start();
      others.push(worker);
      const added = await api('POST', '/api/jobs', {
        func: 'hold',
        id: 'slow',
        name: 'Slow report',
        args: ['s3cret'],
        requestsRecovery: true,
        trigger: { type: 'interval', hours: 1 },
      });
      expect(added.body.requestsRecovery).toBe(true);
      expect((await api('POST', '/api/jobs/slow/run')).status).toBe(202);
      await waitUntil(() => ran.get('hold') === 1, 'the run to start');

      const nodes = await api('GET', '/api/nodes');
      expect(nodes.status).toBe(200);
      expect(nodes.body.jobStore).toBe('default');
      expect(nodes.body.nodes).toEqual([
        expect.objectContaining({ id: WORKER, role: 'worker', pid: process.pid, heldRuns: 0 }),
        expect.objectContaining({
          id: 'admin-node',
          role: 'both',
          executors: ['default'],
          heldRuns: 1,
          thisProcess: true,
        }),
      ]);
      const active = await api('GET', '/api/runs/active');
      expect(active.body.runs).toEqual([
        expect.objectContaining({
          jobId: 'slow',
          jobName: 'Slow report',
          jobStore: 'default',
          executor: 'default',
          state: 'held',
          node: 'admin-node',
          nodeLive: true,
          manual: true,
          recovery: false,
        }),
      ]);
      expect(JSON.stringify(active.body)).not.toContain('s3cret');

      const html = await page('/nodes');
      expect(html).toContain('<tr data-node="admin-node">');
      expect(html).toContain('&lt;i&gt;worker&lt;/i&gt; &amp; co');
      expect(html).not.toContain('<i>worker</i>');
      expect(html).toMatch(/<tr data-run="[^"]+" data-state="held">/);
      expect(html).toContain('href="/admin/jobs/slow?jobStore=default"');
      expect(html).not.toContain('s3cret');
      expect(await page('/')).toMatch(/data-count="nodes">\s*2\s*</);

      release();
      await waitUntil(
        async () => (await api('GET', '/api/runs/active')).body.runs.length === 0,
        'the run to end',
      );
      expect(await page('/nodes')).toContain('No runs in progress.');
      const unknown = await api('GET', '/api/nodes?jobStore=nope');
      expect([unknown.status, unknown.body.error.code]).toEqual([400, 'ERR_LOOKUP']);
    });

    it("records a dead node's run as interrupted: history, overview, job page and event stream", async () => {
      const { api, base } = await start();
      await api('POST', '/api/jobs', { func: 'ok', id: 'victim', trigger: { type: 'interval', hours: 1 } });
      const controller = new AbortController();
      const response = await fetch(`${base}/api/events`, { signal: controller.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readUntil = async (needle: string) => {
        while (!text.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${needle}: ${text}`);
          text += decoder.decode(value);
        }
      };
      await readUntil('event: ready');

      // A node that died holding a run: its lease has ended, and the admin's node finds it.
      const probe: JobStore = target.open(prefix);
      await probe.start({ alias: 'default', clock: new SystemClock(), logger: silent });
      const due = new Date(Date.now() - 5000);
      try {
        await probe.releaseJobs(
          'dead-node',
          [],
          [
            {
              id: 'dead-node/1',
              job: (await probe.lookupJob('victim'))!,
              scheduledRunTimes: [due],
              node: 'dead-node',
              leaseUntil: new Date(Date.now() - 1000),
              manual: false,
              recovery: false,
              createdAt: due,
            },
          ],
        );
      } finally {
        await probe.shutdown();
      }

      await readUntil('"type":"job_interrupted"');
      controller.abort();
      const event = text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as { type: string })
        .find((view) => view.type === 'job_interrupted');
      expect(event).toMatchObject({
        jobId: 'victim',
        jobStore: 'default',
        scheduledRunTimes: [due.toISOString()],
        interruptedNode: 'dead-node',
        recovered: false,
        node: 'admin-node',
      });

      await waitUntil(
        async () => (await api('GET', '/api/jobs/victim/runs')).body.runs.length === 1,
        'the interrupted record',
      );
      expect((await api('GET', '/api/jobs/victim/runs')).body.runs).toEqual([
        expect.objectContaining({
          outcome: 'interrupted',
          scheduledRunTime: due.toISOString(),
          startedAt: null,
          schedulerId: 'dead-node',
        }),
      ]);
      const overview = await page('/');
      expect(overview).toMatch(/<tr data-interrupted="victim">[\s\S]*<code>dead-node<\/code>/);
      const job = await page('/jobs/victim');
      expect(job).toMatch(/<tr data-outcome="interrupted">[\s\S]*dead-node[\s\S]*stopped heartbeating/);
    });

    it('serves the nodes read-only', async () => {
      const { api } = await start({ readOnly: true });
      expect((await api('GET', '/api/nodes')).body.nodes).toEqual([
        expect.objectContaining({ id: 'admin-node' }),
      ]);
      expect((await api('GET', '/api/runs/active')).body.runs).toEqual([]);
      expect(await page('/nodes')).toContain('<tr data-node="admin-node">');
    });
  });
}
