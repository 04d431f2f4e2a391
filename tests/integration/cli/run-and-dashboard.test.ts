// The long-running commands of the built `horae` binary: `horae run` (a scheduler from a config
// module, drained by SIGTERM) and `horae dashboard` (the admin API on a store).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../helpers/sql.js';
import { postgresTarget, sqliteTarget, type StoreTarget } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';
import { hasStack, horae, json, startHorae, TASKS, useBuiltCli } from './cli-harness.js';

useBuiltCli();

const targets = [sqliteTarget(), postgresTarget()];

describe.each(targets)('horae run on $name', (target: StoreTarget) => {
  const dir = mkdtempSync(join(tmpdir(), 'horae-cli-run-'));
  const log = join(dir, 'runs.log');
  let store = '';
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
    store = target.url(uniquePrefix('clirun'));
    // A job that starts at once and takes 3 s: SIGTERM comes while it runs.
    writeFileSync(
      join(dir, 'scheduler.config.mjs'),
      `export default {
        timezone: 'UTC',
        jobs: [{ func: ${JSON.stringify(`${TASKS}:hold`)}, trigger: 'interval', seconds: 60,
                 nextRunTime: new Date(), id: 'hold', args: [${JSON.stringify(log)}, 3000] }],
      };\n`,
    );
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target.dispose();
  });

  it.skipIf(!target.available)(
    'runs the jobs of a config module; SIGTERM drains the running one',
    async () => {
      const cli = await startHorae(
        ['run', './scheduler.config.mjs', '--store', store],
        'Scheduler running with 1 job',
        {
          cwd: dir,
        },
      );
      await waitUntil(() => lines().some((line) => line.startsWith('started')), 'the job to start');
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);

      // The run went on to its end after the signal, and its record was written before the exit.
      expect(lines().map((line) => line.split(' ')[0])).toEqual(['started', 'finished']);
      expect(cli.output.stdout).toMatch(/SIGTERM: stopping after the running jobs finish/);
      expect(cli.output.stdout).toMatch(
        /✓ hold ran in 3(\.\d)? s\n.*Stopped: every running job has finished\.\n$/,
      );
      expect(cli.output.stderr).toBe('');
      const runs = json<{ outcome: string; returnValue: unknown; manual: boolean }[]>(
        await horae(['runs', 'hold', '--json', '--store', store]),
      );
      expect(runs).toEqual([
        expect.objectContaining({ outcome: 'success', returnValue: 'held', manual: false }),
      ]);
    },
  );

  it.skipIf(!target.available)('a config module that is not there is bad input', async () => {
    const result = await horae(['run', './missing.config.mjs', '--store', store], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^horae: Config module "\.\/missing\.config\.mjs" not found/);
    expect(hasStack(result.stderr)).toBe(false);
  });
});

describe('horae run: which store, and a bad module', () => {
  const dir = mkdtempSync(join(tmpdir(), 'horae-cli-config-'));
  const file = (name: string) => `sqlite://${join(dir, name)}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const started = async (config: string, args: string[], env: Record<string, string> = {}) => {
    writeFileSync(join(dir, 'scheduler.config.mjs'), config);
    const cli = await startHorae(['run', './scheduler.config.mjs', ...args], 'Scheduler running', {
      cwd: dir,
      env,
    });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    return /Scheduler running with .*\./.exec(cli.output.stdout)?.[0];
  };

  it("uses HORAE_STORE only when the module names no store, and --store over the module's", async () => {
    const bare = 'export default { jobs: [] };\n';
    const named = `export const config = { jobStores: { default: ${JSON.stringify(file('module.sqlite'))} } };\n`;
    const env = { HORAE_STORE: file('env.sqlite') };
    expect(await started(bare, [], env)).toContain(`in ${file('env.sqlite')}.`);
    expect(await started(named, [], env)).toContain(`in ${file('module.sqlite')}.`);
    expect(await started(named, ['--store', file('flag.sqlite')], env)).toContain(
      `in ${file('flag.sqlite')}.`,
    );
    expect(await started(bare, [])).toContain('with 0 jobs in memory.');
  });

  it('a bad job in the module is bad input, named by its place', async () => {
    writeFileSync(
      join(dir, 'typo.config.mjs'),
      `export default { jobs: [{ func: ${JSON.stringify(`${TASKS}:touch`)}, trigger: 'cron', hour: 3, minuts: 2 }] };\n`,
    );
    const result = await horae(['run', './typo.config.mjs'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^horae: \.\/typo\.config\.mjs, jobs\[0\]: Unknown option "minuts"/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a module whose jobs are not an array is bad input, named', async () => {
    writeFileSync(join(dir, 'bad.config.mjs'), "export default { jobs: { func: './x.js:y' } };\n");
    const result = await horae(['run', './bad.config.mjs'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^horae: Invalid jobs in the config module, .*: expected an array of jobs\n$/,
    );
  });
});

describe('horae dashboard', () => {
  const target = sqliteTarget();
  let store = '';
  beforeAll(async () => {
    await target.prepare();
    store = target.url(uniquePrefix('clidash'));
    const added = await horae([
      'job',
      'add',
      `${TASKS}:touch`,
      '--cron',
      '@daily',
      '--id',
      'nightly',
      '--store',
      store,
    ]);
    expect(added.code).toBe(0);
  });
  afterAll(() => target.dispose());

  it('serves the admin API of the store until SIGTERM', async () => {
    const cli = await startHorae(
      ['dashboard', '--store', store, '--port', '0', '--insecure'],
      /Dashboard at (\S+)\./,
    );
    const url = /Dashboard at (\S+)\./.exec(cli.output.stdout)?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await fetch(new URL('api/jobs', url));
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('"nightly"');
    expect((await fetch(url)).headers.get('content-type')).toMatch(/text\/html/);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('needs a login or --insecure', async () => {
    const result = await horae(['dashboard', '--store', store, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^horae: The dashboard changes jobs, so it needs a login/);
  });

  it('asks for the basic auth login when given one; --json gives the address', async () => {
    const cli = await startHorae(
      ['dashboard', '--store', store, '--port', '0', '--user', 'ops', '--read-only', '--json'],
      /^\}$/m,
      { env: { HORAE_DASHBOARD_PASSWORD: 's3cret' } },
    );
    const { url, readOnly } = JSON.parse(cli.output.stdout) as { url: string; readOnly: boolean };
    expect(readOnly).toBe(true);
    expect((await fetch(new URL('api/jobs', url))).status).toBe(401);
    const authorization = `Basic ${Buffer.from('ops:s3cret').toString('base64')}`;
    expect((await fetch(new URL('api/jobs', url), { headers: { authorization } })).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});
