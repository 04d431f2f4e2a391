// The admin API against a real scheduler on each persistent store the issue names: SQLite always,
// PostgreSQL when HORAE_POSTGRES_URL is set.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../helpers/sql.js';
import { postgresTarget, sqliteTarget } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';
import { FAIL_MESSAGE, startAdmin, type AdminFixture } from './harness.js';

type Fixture = AdminFixture & { release(): void };

for (const target of [sqliteTarget(), postgresTarget()]) {
  describe.skipIf(!target.available)(`admin API on ${target.name}`, () => {
    let fixture: Fixture;
    beforeAll(() => target.prepare());
    afterAll(() => target.dispose());
    afterEach(() => fixture?.close());

    const start = async () => {
      fixture = await startAdmin({ store: target.open(uniquePrefix('adm')), basePath: '/admin' });
      return fixture;
    };

    const addJob = async (body: Record<string, unknown>) => {
      const reply = await fixture.api('POST', '/api/jobs', body);
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      return reply.body as { id: string; nextRunTime: string | null; paused: boolean };
    };

    it('lists jobs, filters them by words and status, and pages them', async () => {
      const { api } = await start();
      for (const name of ['report daily', 'report weekly', 'report monthly', 'cleanup', 'backup']) {
        await addJob({
          func: 'ok',
          name,
          id: name.replace(' ', '-'),
          trigger: { type: 'interval', hours: 1 },
        });
      }
      await api('POST', '/api/jobs/backup/pause');

      const reports = await api('GET', '/api/jobs?search=REPORT');
      expect(reports.body.total).toBe(3);
      expect(reports.body.jobs.map((job: { id: string }) => job.id).sort()).toEqual([
        'report-daily',
        'report-monthly',
        'report-weekly',
      ]);
      expect((await api('GET', '/api/jobs?search=report%20week')).body.total).toBe(1);
      const paused = await api('GET', '/api/jobs?status=paused');
      expect(paused.body.jobs.map((job: { id: string }) => job.id)).toEqual(['backup']);
      expect((await api('GET', '/api/jobs?status=scheduled')).body.total).toBe(4);

      const first = await api('GET', '/api/jobs?limit=2');
      const second = await api('GET', '/api/jobs?limit=2&offset=2');
      const third = await api('GET', '/api/jobs?limit=2&offset=4');
      expect([
        first.body.total,
        first.body.jobs.length,
        second.body.jobs.length,
        third.body.jobs.length,
      ]).toEqual([5, 2, 2, 1]);
      const ids = [...first.body.jobs, ...second.body.jobs, ...third.body.jobs].map(
        (job: { id: string }) => job.id,
      );
      expect(new Set(ids).size).toBe(5);
    });

    it('shows one job with its trigger, zone, description and next run times', async () => {
      const { api } = await start();
      await addJob({
        func: 'ok',
        id: 'weekday-report',
        trigger: { type: 'cron', crontab: '30 10 * * 1-5', timezone: 'Asia/Shanghai' },
      });
      const reply = await api('GET', '/api/jobs/weekday-report?next=7');
      expect(reply.status).toBe(200);
      expect(reply.body.timezone).toBe('Asia/Shanghai');
      expect(reply.body.trigger.type).toBe('cron');
      expect(reply.body.trigger.description).toEqual(expect.any(String));
      expect(reply.body.trigger.json.crontab).toBe('30 10 * * 1-5');
      const times = (reply.body.nextRunTimes as string[]).map((time) => new Date(time));
      expect(times).toHaveLength(7);
      expect(reply.body.nextRunTimes[0]).toBe(reply.body.nextRunTime);
      for (const time of times) {
        // 10:30 in Shanghai (UTC+8) is 02:30 UTC, Monday to Friday there.
        expect([time.getUTCHours(), time.getUTCMinutes()]).toEqual([2, 30]);
        expect([1, 2, 3, 4, 5]).toContain(time.getUTCDay());
      }
      expect(reply.body.health).toMatchObject({ lastRun: null, consecutiveFailures: 0, overdue: false });
      expect(reply.body.args).toBeUndefined();
    });

    it('adds, modifies, pauses, resumes and removes a job, as the scheduler sees it', async () => {
      const { api, scheduler } = await start();
      const added = await addJob({
        func: 'ok',
        id: 'edit-me',
        name: 'Edit me',
        trigger: { type: 'cron', crontab: '0 3 * * *' },
        maxInstances: 2,
      });
      expect(new Date(added.nextRunTime as string).getUTCHours()).toBe(19); // 03:00 in Shanghai

      const changed = await api('PATCH', '/api/jobs/edit-me', {
        name: 'Edited',
        coalesce: false,
        trigger: { type: 'cron', crontab: '15 8 * * *' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ name: 'Edited', coalesce: false, maxInstances: 2 });
      expect(new Date(changed.body.nextRunTime).getUTCHours()).toBe(0); // 08:15 in Shanghai
      let job = await scheduler.getJob('edit-me');
      expect(job?.name).toBe('Edited');
      expect(job?.trigger.toJSON()).toMatchObject({ crontab: '15 8 * * *' });

      expect((await api('POST', '/api/jobs/edit-me/pause')).body.paused).toBe(true);
      expect((await scheduler.getJob('edit-me'))?.nextRunTime).toBeNull();
      // A new trigger keeps a paused job paused.
      await api('PATCH', '/api/jobs/edit-me', { trigger: { type: 'interval', minutes: 5 } });
      job = await scheduler.getJob('edit-me');
      expect([job?.trigger.type, job?.nextRunTime]).toEqual(['interval', null]);
      expect((await api('POST', '/api/jobs/edit-me/resume')).body.paused).toBe(false);
      // The trigger's serialized form, edited, is taken back.
      const { json } = (await api('GET', '/api/jobs/edit-me')).body.trigger;
      const fromJson = await api('PATCH', '/api/jobs/edit-me', { trigger: { ...json, intervalMs: 120_000 } });
      expect([fromJson.status, fromJson.body.trigger.json.intervalMs]).toEqual([200, 120_000]);
      expect((await scheduler.getJob('edit-me'))?.nextRunTime).toBeInstanceOf(Date);

      expect((await api('DELETE', '/api/jobs/edit-me')).status).toBe(204);
      expect(await scheduler.getJob('edit-me')).toBeNull();
    });

    it('runs a job now without touching its schedule; the run is in its history as manual', async () => {
      const { api, scheduler } = await start();
      const added = await addJob({ func: 'ok', id: 'nightly', trigger: { type: 'cron', hour: 2 } });
      expect((await api('POST', '/api/jobs/nightly/run')).status).toBe(202);
      await waitUntil(
        async () => (await api('GET', '/api/jobs/nightly/runs')).body.runs.length === 1,
        'the manual run',
      );
      const { runs } = (await api('GET', '/api/jobs/nightly/runs')).body;
      expect(runs[0]).toMatchObject({
        jobId: 'nightly',
        outcome: 'success',
        manual: true,
        returnValue: 'done',
      });
      expect((await scheduler.getJob('nightly'))?.nextRunTime?.toISOString()).toBe(added.nextRunTime);
    });

    it('refuses to run a job now past its maxInstances with 409', async () => {
      const { api, ran, release } = await start();
      await addJob({ func: 'hold', id: 'busy', trigger: { type: 'interval', hours: 1 }, maxInstances: 1 });
      expect((await api('POST', '/api/jobs/busy/run')).status).toBe(202);
      await waitUntil(() => ran.get('hold') === 1, 'the first run to start');
      const refused = await api('POST', '/api/jobs/busy/run');
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('ERR_MAX_INSTANCES_REACHED');
      release();
    });

    it('pages the run history, newest first, with error messages and stack traces', async () => {
      const { api } = await start();
      await addJob({ func: 'fail', id: 'broken', trigger: { type: 'interval', hours: 1 } });
      for (let run = 1; run <= 3; run++) {
        await api('POST', '/api/jobs/broken/run');
        await waitUntil(
          async () => (await api('GET', '/api/jobs/broken/runs')).body.runs.length === run,
          `run ${run} to be recorded`,
        );
      }
      const first = await api('GET', '/api/jobs/broken/runs?limit=2');
      const rest = await api('GET', '/api/jobs/broken/runs?limit=2&offset=2');
      expect([first.body.runs.length, first.body.hasMore, rest.body.runs.length, rest.body.hasMore]).toEqual([
        2,
        true,
        1,
        false,
      ]);
      const all = [...first.body.runs, ...rest.body.runs] as {
        startedAt: string;
        error: { message: string; stack: string };
      }[];
      expect(all.map((run) => run.startedAt)).toEqual(
        all
          .map((run) => run.startedAt)
          .sort()
          .reverse(),
      );
      expect(all[0]?.error.message).toBe(FAIL_MESSAGE);
      expect(all[0]?.error.stack).toContain('Error: <b>boom</b>');
      const detail = await api('GET', '/api/jobs/broken');
      expect(detail.body.health).toMatchObject({ consecutiveFailures: 3, lastSuccess: null });
      expect(detail.body.health.lastFailure).toMatchObject({ outcome: 'error' });
    });

    it('answers bad input with 400 and the typed error code, changing nothing', async () => {
      const { api, base, token } = await start();
      await addJob({ func: 'ok', id: 'existing', trigger: { type: 'interval', hours: 1 } });
      const cases: [unknown, string, string | undefined][] = [
        ['{"func": "ok",', 'ERR_INVALID_JSON', 'body'],
        ['[1, 2]', 'ERR_INVALID_ARGUMENT', 'body'],
        [
          { func: 'ok', trigger: { type: 'interval', hours: 1 }, colour: 'red' },
          'ERR_UNKNOWN_FIELD',
          'colour',
        ],
        [{ func: 'ok', trigger: { type: 'cron', crontab: '61 * * * *' } }, 'ERR_INVALID_TRIGGER', 'minute'],
        [{ func: 'ok', trigger: { type: 'cron', hours: 3 } }, 'ERR_UNKNOWN_FIELD', 'trigger.hours'],
        [{ func: 'ok', trigger: { type: 'weekly' } }, 'ERR_INVALID_TRIGGER', 'trigger.type'],
        [{ trigger: { type: 'interval', hours: 1 } }, 'ERR_INVALID_ARGUMENT', 'func'],
        [
          { func: 'ok', trigger: { type: 'interval', hours: 1 }, maxInstances: 0 },
          'ERR_INVALID_ARGUMENT',
          'maxInstances',
        ],
        [{ func: 'no-such-task', trigger: { type: 'interval', hours: 1 } }, 'ERR_FUNCTION_LOOKUP', undefined],
      ];
      for (const [body, code, field] of cases) {
        const reply = await api('POST', '/api/jobs', body);
        expect([reply.status, reply.body.error?.code, reply.body.error?.field], JSON.stringify(body)).toEqual(
          [400, code, field],
        );
        expect(reply.body.error.message).toEqual(expect.any(String));
      }
      const cron = await api('PATCH', '/api/jobs/existing', {
        trigger: { type: 'cron', crontab: '* 25 * * *' },
      });
      expect([cron.status, cron.body.error.code, cron.body.error.field]).toEqual([
        400,
        'ERR_INVALID_TRIGGER',
        'hour',
      ]);
      expect(cron.body.error.message).toContain('25');
      const notModifiable = await api('PATCH', '/api/jobs/existing', { id: 'renamed' });
      expect([notModifiable.status, notModifiable.body.error.field]).toEqual([400, 'id']);
      const conflict = await api('POST', '/api/jobs', { func: 'ok', id: 'existing' });
      expect([conflict.status, conflict.body.error.code]).toEqual([409, 'ERR_CONFLICTING_ID']);
      const badQuery = await api('GET', '/api/jobs?limit=0');
      expect([badQuery.status, badQuery.body.error.field]).toEqual([400, 'limit']);

      const huge = await fetch(`${base}/api/jobs`, {
        method: 'POST',
        headers: { 'x-horae-csrf': token, 'content-type': 'application/json' },
        body: JSON.stringify({ func: 'ok', name: 'x'.repeat(100_000) }),
      });
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('ERR_BODY_TOO_LARGE');

      const { body } = await api('GET', '/api/jobs');
      expect(body.jobs.map((job: { id: string }) => job.id)).toEqual(['existing']);
      expect(body.jobs[0].trigger.type).toBe('interval');
    });

    it('answers 404 for an id that does not exist, on every job route', async () => {
      const { api } = await start();
      const routes: [string, string, unknown?][] = [
        ['GET', '/api/jobs/ghost'],
        ['GET', '/api/jobs/ghost/runs'],
        ['PATCH', '/api/jobs/ghost', { name: 'x' }],
        ['POST', '/api/jobs/ghost/pause'],
        ['POST', '/api/jobs/ghost/resume'],
        ['POST', '/api/jobs/ghost/run'],
        ['DELETE', '/api/jobs/ghost'],
      ];
      for (const [method, path, body] of routes) {
        const reply = await api(method, path, body);
        expect([reply.status, reply.body.error.code], `${method} ${path}`).toEqual([404, 'ERR_JOB_LOOKUP']);
        expect(reply.body.error.message).toContain('"ghost"');
      }
      expect((await api('GET', '/api/nothing-here')).status).toBe(404);
    });

    it('streams scheduler events as server-sent events', async () => {
      const { api, base } = await start();
      await addJob({ func: 'ok', id: 'streamed', trigger: { type: 'interval', hours: 1 } });
      const controller = new AbortController();
      const response = await fetch(`${base}/api/events`, { signal: controller.signal });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
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
      await api('POST', '/api/jobs/streamed/run');
      await readUntil('"type":"job_executed"');
      const executed = text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as { type: string; jobId?: string })
        .find((event) => event.type === 'job_executed');
      expect(executed).toMatchObject({ jobId: 'streamed', jobStore: 'default' });
      controller.abort();
    });

    it("reports the scheduler's state and health, and pauses and resumes it", async () => {
      const { api } = await start();
      await addJob({ func: 'ok', id: 'a', trigger: { type: 'interval', hours: 1 } });
      await addJob({ func: 'ok', id: 'b', trigger: { type: 'interval', hours: 1 }, paused: true });
      const state = await api('GET', '/api/scheduler');
      expect(state.body).toMatchObject({
        state: 'running',
        timezone: 'Asia/Shanghai',
        readOnly: false,
        jobs: { total: 2, scheduled: 1, paused: 1 },
        health: { live: true, ready: true },
      });
      expect(state.body.health.stores.default.ok).toBe(true);
      expect((await api('POST', '/api/scheduler/pause')).body.state).toBe('paused');
      expect((await api('GET', '/api/scheduler')).body.health.ready).toBe(false);
      expect((await api('POST', '/api/scheduler/resume')).body.state).toBe('running');
    });
  });
}
