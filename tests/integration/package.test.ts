// The package as a user gets it: `npm pack` on a copy of the working tree without dist/ (as a fresh
// clone is), the tarball installed offline into an ES module project and into a CommonJS project
// made by `npm init -y`, and in each the README's snippet shape compiled by tsc and run from another
// directory, with a job given by a './tasks/...' reference that `baseDir` must find beside the code.
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// Packing builds the whole tree (about 15 s here, unloaded); a loaded 2-core machine needs more.
const COMMAND_TIMEOUT_MS = 180_000;

let work = '';
let esm = '';
let cjs = '';

// A user's shell: without the npm_* settings of the `npm test` running us, which would otherwise
// steer the nested npm commands (npm_config_prefix, ...).
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
);

/** Runs a command to completion and returns its stdout; a failure shows everything it printed. */
function run(file: string, args: string[], cwd: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      file,
      args,
      { cwd, env: userEnv, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          fail(new Error(`${file} ${args.join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error }));
        else done(stdout);
      },
    );
  });
}

const node = (args: string[], cwd: string) => run(process.execPath, args, cwd);
const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund'], cwd);

/** What a fresh clone of the working tree holds: tracked and new files, nothing git ignores. */
function copyWorkingTree(to: string): void {
  const listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  for (const file of listing.split('\0')) {
    if (file === '' || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(root, file), join(to, file));
  }
  // The build needs the dev dependencies (tsc, @types/node), which a clone gets from npm install.
  symlinkSync(join(root, 'node_modules'), join(to, 'node_modules'), 'junction');
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const tsconfig = JSON.stringify({
  compilerOptions: {
    module: 'nodenext',
    target: 'es2022',
    strict: true,
    rootDir: 'src',
    outDir: 'dist',
    // As `tsc --init` writes it; checking every declaration file would double the compile time.
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
  },
});

// The job the scheduler runs by reference; compiled to dist/tasks/report.js beside dist/main.js.
const reportTask = `export function send(): string {
  return 'report sent';
}
`;

// Either project's main file prints the first run's outcome, then shuts the scheduler down.
const onFirstRun = `
  scheduler.on('job_executed', (event) => {
    console.log(\`executed \${event.jobId}: \${String(event.retval)}\`);
    void scheduler.shutdown({ wait: false });
  });
  scheduler.on('job_error', (event) => {
    console.error('job failed:', event.exception);
    process.exitCode = 1;
    void scheduler.shutdown({ wait: false });
  });
  setTimeout(() => {
    console.error('no run within 60 s');
    process.exit(2);
  }, 60_000).unref();
`;

const esmMain = `import { Scheduler } from 'horae';

const scheduler = new Scheduler({ baseDir: import.meta.dirname });
${onFirstRun}
await scheduler.addJob('./tasks/report.js:send', 'interval', { seconds: 0.05, id: 'report' });
await scheduler.start();
`;

const cjsMain = `import { Scheduler } from 'horae';

async function main(): Promise<void> {
  const scheduler = new Scheduler({ baseDir: __dirname });
  ${onFirstRun}
  await scheduler.addJob('./tasks/report.js:send', 'interval', { seconds: 0.05, id: 'report' });
  await scheduler.start();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

// Loads every module the exports map names (package.json is JSON, not a module) and prints each
// one's export names.
const esmLoadAll = `import { readFileSync } from 'node:fs';
const pkg = JSON.parse(readFileSync(new URL(import.meta.resolve('horae/package.json')), 'utf8'));
const loaded = {};
for (const subpath of Object.keys(pkg.exports).filter((key) => !key.endsWith('.json'))) {
  const name = 'horae' + subpath.slice(1);
  loaded[subpath] = Object.keys(await import(name));
}
console.log(JSON.stringify(loaded));
`;

const cjsLoadAll = `const pkg = require('horae/package.json');
const loaded = {};
for (const subpath of Object.keys(pkg.exports).filter((key) => !key.endsWith('.json'))) {
  loaded[subpath] = Object.keys(require('horae' + subpath.slice(1)));
}
console.log(JSON.stringify(loaded));
`;

async function makeProject(dir: string, init: () => Promise<void>, main: string, loadAll: string) {
  mkdirSync(dir);
  await init();
  writeFiles(dir, {
    'tsconfig.json': tsconfig,
    'src/main.ts': main,
    'src/tasks/report.ts': reportTask,
    'load-all.js': loadAll,
  });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  await npm(['install', '--offline', join(work, tarball!)], dir);
  await node([tsc, '-p', 'tsconfig.json'], dir);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'horae-package-'));
  const clone = join(work, 'clone');
  copyWorkingTree(clone);
  await npm(['pack', '--pack-destination', work], clone);
  esm = join(work, 'esm');
  cjs = join(work, 'cjs');
  // Settled, not Promise.all: afterAll must not delete a project the other build is still writing.
  const setups = await Promise.allSettled([
    makeProject(
      esm,
      async () =>
        writeFiles(esm, { 'package.json': '{ "name": "esm-app", "private": true, "type": "module" }' }),
      esmMain,
      esmLoadAll,
    ),
    makeProject(cjs, async () => void (await npm(['init', '-y'], cjs)), cjsMain, cjsLoadAll),
  ]);
  for (const setup of setups) if (setup.status === 'rejected') throw setup.reason;
}, 2 * COMMAND_TIMEOUT_MS);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

/** Every file of the installed package, as paths relative to it: what the tarball held. */
function installedFiles(): string[] {
  const base = join(esm, 'node_modules', 'horae');
  return readdirSync(base, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(base, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

describe('the packed package', () => {
  it('holds the build, README and LICENSE, and no source maps pointing at unshipped sources', () => {
    const files = installedFiles();
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js']));
    expect(readFileSync(join(esm, 'node_modules', 'horae', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    const pkg = JSON.parse(readFileSync(join(esm, 'node_modules', 'horae', 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = Object.values(pkg.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : Object.values(target),
    );
    for (const target of targets) expect(files).toContain(target.slice(2));
    expect(files.filter((file) => file.endsWith('.map') || file.startsWith('src/'))).toEqual([]);
    const mapped = files.filter(
      (file) =>
        file.endsWith('.js') &&
        readFileSync(join(esm, 'node_modules', 'horae', file), 'utf8').includes('sourceMappingURL'),
    );
    expect(mapped).toEqual([]);
  });

  it("installs nothing but itself and the horae command's two small dependencies", () => {
    // commander (argument parsing) and picocolors (colour on a terminal) serve the `horae` binary;
    // every database driver and framework stays an optional peer dependency.
    for (const project of [esm, cjs]) {
      expect(
        readdirSync(join(project, 'node_modules'))
          .filter((name) => !name.startsWith('.'))
          .sort(),
      ).toEqual(['commander', 'horae', 'picocolors']);
    }
  });

  it.each([
    ['an ES module project', () => esm],
    ['a CommonJS project made by npm init -y', () => cjs],
  ])('runs a job by reference in %s, compiled to dist/ and started elsewhere', async (_, project) => {
    // Started from the temp directory, not the project, so only baseDir can find ./tasks/report.js.
    const output = await node([join(project(), 'dist', 'main.js')], work);
    expect(output).toContain('executed report: report sent');
  });

  it('installs the horae command, which runs as the bin npm links', async () => {
    // Run as a shell runs it: the link's own #! line, so the built file must be executable.
    const output = await run(
      join(esm, 'node_modules', '.bin', 'horae'),
      ['next', '0 9 * * mon-fri', '--tz', 'Asia/Shanghai', '--from', '2026-12-04 12:00', '-n', '1', '--json'],
      work,
    );
    expect(JSON.parse(output)).toMatchObject({
      description: 'every weekday at 09:00 (Asia/Shanghai)',
      times: ['2026-12-07T01:00:00.000Z'],
    });
  });

  it.each([
    ['import', () => esm],
    ['require', () => cjs],
  ])('loads every subpath of its exports map with %s', async (_, project) => {
    const loaded = JSON.parse(await node(['load-all.js'], project())) as Record<string, string[]>;
    expect(Object.keys(loaded)).toEqual(expect.arrayContaining(['.', './testing', './stores/sqlite']));
    for (const [subpath, names] of Object.entries(loaded)) expect(names.length, subpath).toBeGreaterThan(0);
    expect(loaded['.']).toContain('Scheduler');
  });

  it('names in its README every error class it exports', async () => {
    const script = `import * as horae from 'horae';
console.log(JSON.stringify(Object.keys(horae).filter((name) => horae[name]?.prototype instanceof Error)));`;
    writeFileSync(join(esm, 'errors.js'), script);
    const errors = JSON.parse(await node(['errors.js'], esm)) as string[];
    expect(errors).toContain('HoraeError');
    const readme = readFileSync(join(esm, 'node_modules', 'horae', 'README.md'), 'utf8');
    expect(errors.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
