// Type tests: the fixtures in ./fixtures compiled by TypeScript 5.9 and by TypeScript 7 (what
// `npm i typescript` installs now), each once per run. A fixture marks each line that must not
// compile with `// @ts-expect-error <key>` on the line before; the compilers see a copy without
// those directives, so that they report the errors, and each report must name the key (TypeScript 7
// reported a misspelt alias option against the trigger argument instead: "Argument of type
// 'string' is not assignable to parameter of type 'Trigger'"). Any other error fails the test.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');
const require = createRequire(import.meta.url);
/** Each package's own `bin/tsc` (TypeScript 7 does not export that subpath, so it is found by its package.json). */
const COMPILERS = {
  'TypeScript 5.9': join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc'),
  'TypeScript 7': join(dirname(require.resolve('typescript7/package.json')), 'bin', 'tsc'),
};
const MARK = /\/\/ @ts-expect-error (\S+)/;

interface Expectation {
  file: string;
  /** The 1-based line that must have an error naming `key`. */
  line: number;
  key: string;
}

/**
 * The fixtures copied without their `@ts-expect-error` directives into a scratch directory inside
 * the project (so that `@types/node` and the sources resolve as from the fixtures), with a tsconfig.
 */
function prepare(scratch: string): Expectation[] {
  const expectations: Expectation[] = [];
  mkdirSync(scratch, { recursive: true });
  for (const file of readdirSync(fixtures).filter((name) => name.endsWith('.ts'))) {
    const lines = readFileSync(join(fixtures, file), 'utf8').split('\n');
    lines.forEach((text, index) => {
      const mark = MARK.exec(text);
      if (mark !== null) expectations.push({ file, line: index + 2, key: mark[1] as string });
    });
    const copy = lines
      .map((text) => text.replace('// @ts-expect-error', '// expect-error'))
      .join('\n')
      .replaceAll("from '../../../src/", `from '${join(root, 'src')}/`);
    writeFileSync(join(scratch, file), copy);
  }
  const tsconfig = {
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { noEmit: true, incremental: false },
    include: ['*.ts'],
  };
  writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(tsconfig));
  return expectations;
}

interface Diagnostic {
  file: string;
  line: number;
  text: string;
}

/** Runs a compiler; its errors, each with the lines that continue it. */
function compile(tsc: string, project: string): Promise<Diagnostic[]> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [tsc, '-p', project, '--pretty', 'false'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout, stderr) => {
        const diagnostics: Diagnostic[] = [];
        for (const line of `${stdout}${stderr}`.split('\n')) {
          const head = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
          if (head !== null) {
            const file = (head[1] as string).split('/').pop() as string;
            diagnostics.push({ file, line: Number(head[2]), text: head[3] as string });
          } else if (line.trim() !== '') {
            const last = diagnostics.at(-1);
            if (last === undefined) diagnostics.push({ file: '?', line: 0, text: line });
            else last.text += `\n${line}`;
          }
        }
        done(diagnostics);
      },
    );
  });
}

describe('job option types, under both compilers', () => {
  const scratch = join(root, 'node_modules', '.cache', `horae-type-tests-${process.pid}`);
  let expectations: Expectation[];
  const results = new Map<string, Diagnostic[]>();

  beforeAll(async () => {
    expectations = prepare(scratch);
    const project = join(scratch, 'tsconfig.json');
    // Both at once: each compiles the whole source tree the fixtures import, which takes seconds.
    await Promise.all(
      Object.entries(COMPILERS).map(async ([name, tsc]) => results.set(name, await compile(tsc, project))),
    );
  }, 300_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  for (const name of Object.keys(COMPILERS)) {
    it(`${name} names the unknown key of each bad call and passes the good ones`, () => {
      expect(expectations.length).toBeGreaterThan(5);
      const diagnostics = results.get(name) as Diagnostic[];
      const expected = new Set(expectations.map(({ file, line }) => `${file}:${line}`));
      const unexpected = diagnostics.filter(({ file, line }) => !expected.has(`${file}:${line}`));
      expect(unexpected).toEqual([]);
      for (const { file, line, key } of expectations) {
        const here = diagnostics.filter((diagnostic) => diagnostic.file === file && diagnostic.line === line);
        expect(here.length, `${file}:${line} should not compile`).toBeGreaterThan(0);
        for (const diagnostic of here) expect(diagnostic.text).toContain(`'${key}'`);
      }
    });
  }
});
