// Every store command of the built `horae` binary against SQLite and PostgreSQL: output (tables and
// --json), exit codes, and that a command neither claims nor runs a due job.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../helpers/sql.js';
import { postgresTarget, sqliteTarget, type StoreTarget } from '../../helpers/targets.js';
import { hasStack, horae, json, TASKS, useBuiltCli } from './cli-harness.js';

useBuiltCli();

interface JobJson {
  id: string;
  name: string;
  func: string;
  schedule: string;
  nextRunTime: string | null;
  paused: boolean;
  args: unknown[];
}

interface RunJson {
  jobId: string;
  outcome: string;
  manual: boolean;
  returnValue: unknown;
  error: { message: string } | null;
}

const targets = [sqliteTarget(), postgresTarget()];

describe.each(targets)('horae on $name', (target: StoreTarget) => {
  const dir = mkdtempSync(join(tmpdir(), 'horae-cli-'));
  const log = join(dir, 'runs.log');
  let store = '';
  /** `horae ...args --store <this test's store>`. */
  const run = (...args: string[]) => horae([...args, '--store', store]);
  const lines = () => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    if (!target.available) return;
    await target.prepare();
    store = target.url(uniquePrefix('cli'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target.dispose();
  });

  it.skipIf(!target.available)('adds jobs from flags and from a crontab line, and lists them', async () => {
    const cron = await run(
      'job',
      'add',
      `${TASKS}:touch`,
      '--cron',
      '30 10 * * mon-fri',
      '--tz',
      'Asia/Shanghai',
      '--id',
      'report',
      '--args',
      JSON.stringify([log]),
    );
    expect(cron.code).toBe(0);
    expect(cron.stdout).toMatch(
      /^Added job report \(every weekday at 10:30 \(Asia\/Shanghai\)\); next run \d{4}-\d\d-\d\d 10:30:00 Asia\/Shanghai\n$/,
    );

    const interval = await run(
      'job',
      'add',
      `${TASKS}:fail`,
      '--interval',
      '1h30m',
      '--id',
      'failing',
      '--name',
      'Failing report',
      '--json',
    );
    expect(interval.code).toBe(0);
    expect(json<JobJson>(interval)).toMatchObject({
      id: 'failing',
      name: 'Failing report',
      schedule: 'every 1 hour and 30 minutes',
      paused: false,
    });

    const line = await run(
      'job',
      'add',
      '--crontab',
      `0 3 * * * ${TASKS}:touch`,
      '--id',
      'backup',
      '--paused',
      '--tz',
      'UTC',
      '--json',
    );
    expect(line.code).toBe(0);
    expect(json<JobJson>(line)).toMatchObject({
      id: 'backup',
      func: `${TASKS}:touch`,
      schedule: 'every day at 03:00 (UTC)',
      paused: true,
      nextRunTime: null,
    });

    const all = json<JobJson[]>(await run('jobs', '--json'));
    expect(all.map((job) => job.id).sort()).toEqual(['backup', 'failing', 'report']);
    expect(all.find((job) => job.id === 'report')?.args).toEqual([log]);

    expect(json<JobJson[]>(await run('jobs', '--paused', '--json')).map((job) => job.id)).toEqual(['backup']);
    expect(
      json<JobJson[]>(await run('jobs', '--active', '--search', 'FAILING', '--json')).map((job) => job.id),
    ).toEqual(['failing']);

    const table = await run('jobs', '--tz', 'UTC');
    expect(table.code).toBe(0);
    const [heading, ...rows] = table.stdout.trim().split('\n');
    expect(heading).toMatch(/^ID\s+NEXT RUN\s+SCHEDULE\s+FUNCTION$/);
    expect(rows).toContainEqual(
      expect.stringMatching(/^backup\s+paused\s+every day at 03:00 \(UTC\)\s+\S+tasks\.mjs:touch$/),
    );
    expect(rows.at(-1)).toBe('3 jobs');
  });

  it.skipIf(!target.available)(
    'refuses a job whose function does not exist, or whose id is taken',
    async () => {
      const missing = await run('job', 'add', `${TASKS}:nope`, '--interval', '5m');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /^horae: Module .* has no export "nope".*its exports are: fail, hold, touch\n$/,
      );
      const taken = await run('job', 'add', `${TASKS}:touch`, '--interval', '5m', '--id', 'report');
      expect(taken.code).toBe(1);
      expect(taken.stderr).toBe('horae: Job identifier "report" conflicts with an existing job\n');
    },
  );

  it.skipIf(!target.available)('runs a job now, here, and records the run as manual', async () => {
    const before = lines().length;
    const result = await run('job', 'run-now', 'report');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ Job report ran in \d+ ms, returned \{"ran":true\}\n$/);
    expect(lines()).toHaveLength(before + 1);

    const runs = json<RunJson[]>(await run('runs', 'report', '--json'));
    expect(runs[0]).toMatchObject({
      jobId: 'report',
      outcome: 'success',
      manual: true,
      returnValue: { ran: true },
    });
  });

  it.skipIf(!target.available)('a failed run exits 1 and shows in the history and health', async () => {
    const result = await run('job', 'run-now', 'failing', '--json');
    expect(result.code).toBe(1);
    expect(json(result)).toMatchObject({
      id: 'failing',
      outcome: 'error',
      error: { name: 'Error', message: 'the report server said no' },
    });

    const runs = await run('runs', 'failing', '--tz', 'UTC');
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(
      /^SCHEDULED\s+OUTCOME\s+DURATION\s+DETAIL\n.* UTC\s+error \(manual\)\s+\d+ ms\s+Error: the report server said no\n$/,
    );

    const show = json<{
      health: { consecutiveFailures: number; lastFailure: { outcome: string } };
      runs: RunJson[];
      nextRunTimes: string[];
    }>(await run('job', 'show', 'failing', '--json'));
    expect(show.health.consecutiveFailures).toBe(1);
    expect(show.health.lastFailure.outcome).toBe('error');
    expect(show.runs).toHaveLength(1);
    // Every 90 minutes, five of them.
    const times = show.nextRunTimes.map((time) => Date.parse(time));
    expect(times).toHaveLength(5);
    expect(times[1]! - times[0]!).toBe(90 * 60_000);

    // For a person: one line, told once (the scheduler's own log line of the failure is left out).
    const text = await run('job', 'run-now', 'failing');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^✗ Job failing failed in \d+ ms: Error: the report server said no\n$/);
    expect(text.stderr).toBe('');
  });

  it.skipIf(!target.available)('job show: schedule, next runs, health and history', async () => {
    const result = await run('job', 'show', 'report', '--tz', 'Asia/Shanghai');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^id +report$/m);
    expect(result.stdout).toMatch(/^schedule +every weekday at 10:30 \(Asia\/Shanghai\)$/m);
    expect(result.stdout).toMatch(/^last success +\d{4}-\d\d-\d\d [\d:.]+ Asia\/Shanghai$/m);
    expect(result.stdout).toMatch(/^Next runs\n( {2}\d{4}-\d\d-\d\d 10:30:00 Asia\/Shanghai\n){5}/m);
    expect(result.stdout).toMatch(/^Last runs\n {2}SCHEDULED +OUTCOME/m);
  });

  it.skipIf(!target.available)('pauses, resumes and removes a job', async () => {
    const paused = await run('job', 'pause', 'report', '--json');
    expect(paused.code).toBe(0);
    expect(json<{ job: JobJson }>(paused).job).toMatchObject({
      id: 'report',
      paused: true,
      nextRunTime: null,
    });
    expect(
      json<JobJson[]>(await run('jobs', '--paused', '--json'))
        .map((job) => job.id)
        .sort(),
    ).toEqual(['backup', 'report']);

    const resumed = await run('job', 'resume', 'report', '--tz', 'Asia/Shanghai');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(
      /^Resumed job report; next run \d{4}-\d\d-\d\d 10:30:00 Asia\/Shanghai\n$/,
    );

    const removed = await run('job', 'remove', 'backup');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe('Removed job backup\n');
    expect(
      json<JobJson[]>(await run('jobs', '--json'))
        .map((job) => job.id)
        .sort(),
    ).toEqual(['failing', 'report']);
  });

  it.skipIf(!target.available)('an unknown job id is a failure: one line, exit 1', async () => {
    for (const args of [
      ['job', 'show', 'ghost'],
      ['job', 'pause', 'ghost'],
      ['job', 'resume', 'ghost'],
      ['job', 'remove', 'ghost'],
      ['job', 'run-now', 'ghost'],
    ]) {
      const result = await run(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toBe('horae: No job by the id of "ghost" was found\n');
    }
    const runs = await run('runs', 'ghost');
    expect(runs.code).toBe(0);
    expect(runs.stdout).toBe('No runs of "ghost" on record.\n');
  });

  it.skipIf(!target.available)(
    'reads a due job without claiming or running it; doctor reports it overdue',
    async () => {
      const due = new Date(Date.now() - 60_000).toISOString();
      const added = await run(
        'job',
        'add',
        `${TASKS}:touch`,
        '--date',
        due,
        '--id',
        'due',
        '--args',
        JSON.stringify([log]),
      );
      expect(added.code).toBe(0);
      const before = lines().length;

      for (const args of [['jobs'], ['job', 'show', 'due'], ['runs', 'due'], ['doctor']]) await run(...args);

      const [row] = await target.raw(
        `SELECT next_run_time, acquired_by, acquired_until FROM ${target.table(`${new URL(store).searchParams.get('tablePrefix')}jobs`)} WHERE id = ?`,
        ['due'],
      );
      expect(row).toMatchObject({ acquired_by: null, acquired_until: null });
      expect(Number(row?.next_run_time)).toBe(Date.parse(due));
      expect(lines()).toHaveLength(before);
      expect(json<RunJson[]>(await run('runs', 'due', '--json'))).toEqual([]);

      const doctor = await run('doctor', '--json');
      expect(doctor.code).toBe(1);
      const report = json<{
        ok: boolean;
        schema: { version: number };
        jobs: { total: number };
        overdue: { id: string; dueSince: string }[];
        problems: string[];
      }>(doctor);
      expect(report).toMatchObject({ ok: false, schema: { version: 1 }, jobs: { total: 3 } });
      expect(report.overdue).toEqual([expect.objectContaining({ id: 'due', dueSince: due })]);
      expect(report.problems).toEqual([expect.stringMatching(/^job due is overdue by 1 minute/)]);

      const text = await run('doctor', '--tz', 'UTC');
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(
        /^✗ overdue +due due \d{4}-\d\d-\d\d [\d:.]+ UTC \(1 minute.*ago; no run on record\)$/m,
      );
      expect(hasStack(text.stderr)).toBe(false);

      await run('job', 'remove', 'due');
      const healthy = await run('doctor');
      expect(healthy.code).toBe(0);
      expect(healthy.stdout).toMatch(/^✓ store +\S+ \((Sqlite|Postgres)JobStore\) answered in \d+ ms$/m);
      expect(healthy.stdout).toMatch(/^✓ schema +version 1/m);
      expect(healthy.stdout).toMatch(/^· nodes +none live: no scheduler is heartbeating in this store$/m);
      expect(healthy.stdout).toMatch(/No problems found\.\n$/);
    },
  );
});
