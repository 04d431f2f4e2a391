// The `horae` binary without a store: help, `next`, and how bad input and an unreachable store are
// reported (one line, no stack trace, exit 2 for bad input and 1 for a failure).
import { describe, expect, it } from 'vitest';
import { hasStack, horae, json, spawnHorae, useBuiltCli } from './cli-harness.js';

useBuiltCli();

const COMMANDS = [
  ['run'],
  ['jobs'],
  ['job'],
  ['job', 'show'],
  ['job', 'add'],
  ['job', 'pause'],
  ['job', 'resume'],
  ['job', 'remove'],
  ['job', 'run-now'],
  ['runs'],
  ['nodes'],
  ['next'],
  ['dashboard'],
  ['doctor'],
];

describe('horae --help', () => {
  it('lists every command', async () => {
    const result = await horae(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['run', 'jobs', 'job', 'runs', 'nodes', 'next', 'dashboard', 'doctor']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it.each(COMMANDS.filter((command) => command.join(' ') !== 'job').map((command) => command.join(' ')))(
    'horae %s --help shows its usage and examples',
    async (command) => {
      const result = await horae([...command.split(' '), '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: horae ${command}`);
      expect(result.stdout).toMatch(/Examples:\n {2}\$ .*horae /);
    },
  );

  it('horae job --help lists the job subcommands', async () => {
    const result = await horae(['job', '--help']);
    expect(result.code).toBe(0);
    for (const command of ['show', 'add', 'pause', 'resume', 'remove', 'run-now']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });
});

describe('horae next', () => {
  it("prints a cron line's next fire times in its zone, with its description", async () => {
    const from = '2026-12-04 12:00'; // a Friday, in Shanghai
    const result = await horae([
      'next',
      '0 9 * * mon-fri',
      '--tz',
      'Asia/Shanghai',
      '-n',
      '3',
      '--from',
      from,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'every weekday at 09:00 (Asia/Shanghai)\n' +
        '  Mon 2026-12-07 09:00:00 +08:00\n' +
        '  Tue 2026-12-08 09:00:00 +08:00\n' +
        '  Wed 2026-12-09 09:00:00 +08:00\n',
    );
  });

  it('gives JSON for scripts: the description, the zone and the times in UTC', async () => {
    const result = await horae([
      'next',
      '@daily',
      '--tz',
      'Europe/Berlin',
      '-n',
      '2',
      '--from',
      '2026-03-28 12:00',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({
      description: 'every day at 00:00 (Europe/Berlin)',
      timezone: 'Europe/Berlin',
      // The second one is after the change to summer time.
      times: ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    });
  });

  it('previews an interval from its start and a one-off date', async () => {
    const interval = await horae([
      'next',
      '--interval',
      '1h30m',
      '--start',
      '2026-12-07 08:00',
      '--tz',
      'UTC',
      '-n',
      '2',
      '--from',
      '2026-12-07 08:00',
      '--json',
    ]);
    expect(json<{ times: string[] }>(interval).times).toEqual([
      '2026-12-07T08:00:00.000Z',
      '2026-12-07T09:30:00.000Z',
    ]);
    const date = await horae([
      'next',
      '--date',
      '2027-01-01 00:00',
      '--tz',
      'Asia/Tokyo',
      '--from',
      '2026-12-07 08:00',
    ]);
    expect(date.code).toBe(0);
    expect(date.stdout).toContain(
      'once at 2027-01-01 00:00 (Asia/Tokyo)\n  Fri 2027-01-01 00:00:00 +09:00\n',
    );
  });
});

describe('output into a pipe', () => {
  it('stops quietly when the reader goes away (horae next ... | head -2)', async () => {
    const child = spawnHorae(['next', '* * * * * *', '-n', '1000']);
    // Closed before the first line is written, so the first write meets a pipe without a reader.
    child.stdout?.destroy();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(child.output.stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('bad input: one line, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['frobnicate'], /^horae: unknown command 'frobnicate'/],
    ['an unknown option', ['jobs', '--colour'], /^horae: unknown option '--colour'/],
    [
      'a malformed cron line',
      ['next', '0 9 * * mon-fx'],
      /^horae: Invalid dayOfWeek field "mon-fx" in crontab "0 9 \* \* mon-fx"/,
    ],
    ['a cron line with a field too many', ['next', '0 9 * * * * * *'], /^horae: .*crontab/i],
    [
      'a bad duration',
      ['next', '--interval', '5 parsecs'],
      /^horae: Invalid duration for --interval "5 parsecs"/,
    ],
    [
      'a bare number as a duration',
      ['next', '--interval', '300'],
      /^horae: Invalid duration for --interval "300"/,
    ],
    [
      'an unknown time zone',
      ['next', '@daily', '--tz', 'Mars/Olympus'],
      /^horae: Invalid --tz "Mars\/Olympus"/,
    ],
    [
      'a count out of range',
      ['next', '@daily', '-n', '0'],
      /^horae: option '-n, --count <n>' argument '0' is invalid/,
    ],
    [
      'two triggers',
      ['next', '@daily', '--interval', '5m'],
      /^horae: Give one trigger, not --cron and --interval/,
    ],
    ['a missing --store', ['jobs'], /^horae: No job store given: pass --store <url>/],
    [
      'a missing argument',
      ['job', 'show', '--store', 'sqlite:///nowhere.sqlite'],
      /^horae: missing required argument 'id'/,
    ],
    [
      'args that are not a JSON array',
      ['job', 'add', 'x.js:f', '--interval', '5m', '--args', '{"a":1}', '--store', 'sqlite:///x.sqlite'],
      /^horae: Invalid --args/,
    ],
  ];

  it.each(cases)('%s', async (_, args, message) => {
    const result = await horae(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStack(result.stderr)).toBe(false);
    expect(result.stdout).toBe('');
  });
});

describe('a store that cannot be reached: one line, exit 1', () => {
  // Nothing listens on port 1 of the loopback address: the connection is refused at once.
  it.each([
    ['PostgreSQL', 'postgres://postgres@127.0.0.1:1/test'],
    ['Redis', 'redis://127.0.0.1:1'],
  ])('%s', async (_, url) => {
    const result = await horae(['jobs', '--store', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^horae: .*127\.0\.0\.1:1/);
    expect(result.stderr).toMatch(/ECONNREFUSED|refused|connect/i);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStack(result.stderr)).toBe(false);
  });

  it('an unknown URL scheme names the known ones', async () => {
    const result = await horae(['jobs', '--store', 'mongodb+nope://x'], { env: { HORAE_STORE: undefined } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^horae: Unknown job store URL scheme "mongodb\+nope".*known schemes are: .*postgres/,
    );
  });

  it('doctor reports it and exits 1', async () => {
    const result = await horae(['doctor', '--store', 'postgres://postgres@127.0.0.1:1/test', '--json']);
    expect(result.code).toBe(1);
    const report = json<{ ok: boolean; store: { ok: boolean; error: string }; problems: string[] }>(result);
    expect(report.ok).toBe(false);
    expect(report.store.ok).toBe(false);
    expect(report.store.error).toMatch(/ECONNREFUSED/);
    expect(report.problems).toHaveLength(1);
  });
});
