// horae/nest where Nest is not installed: the subpath loads (with import and with require), and
// HoraeModule.forRoot fails the bootstrap with NestDependencyError naming what to install. The
// built package is copied where no node_modules above it holds Nest.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDist } from '../../helpers/build.js';

let dir = '';

beforeAll(async () => {
  const dist = await buildDist();
  dir = mkdtempSync(join(tmpdir(), 'horae-without-nest-'));
  const pkg = join(dir, 'node_modules', 'horae');
  mkdirSync(pkg, { recursive: true });
  cpSync(dist, join(pkg, 'dist'), { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'horae', type: 'module', exports: { './nest': './dist/nest/index.js' } }),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
}, 120_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

async function node(script: string, file: string): Promise<string> {
  writeFileSync(join(dir, file), script);
  const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: dir });
  return stdout;
}

it('loads without Nest, and forRoot reports NestDependencyError when Nest is needed', async () => {
  const output = await node(
    `import { HoraeModule, Cron, NestDependencyError } from 'horae/nest';
Cron('0 * * * *'); // the decorators need no Nest
const module = HoraeModule.forRoot({});
try {
  await module.imports[0];
  console.log('loaded Nest?');
} catch (error) {
  console.log(error instanceof NestDependencyError, error.code, error.message);
}`,
    'esm.js',
  );
  expect(output).toMatch(
    /^true ERR_NEST_DEPENDENCY horae\/nest needs the "@nestjs\/common" and "@nestjs\/core"/,
  );
  expect(await node(`console.log(Object.keys(require('horae/nest')).sort().join(','));`, 'cjs.cjs')).toMatch(
    /HoraeModule/,
  );
}, 30_000);
