import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '../..');
const cache = join(root, 'node_modules', '.cache');
const STALE_LOCK_MS = 180_000;

/**
 * Compiles `src` for tests that run Horae in child processes, into
 * `node_modules/.cache/horae-test-dist-<key>` (inside the project, so the built modules resolve the
 * drivers; not `dist/`, which other builds may be writing). The key hashes the sources' names,
 * sizes and times, so test files running in parallel share one build, and an unchanged tree is not
 * built again. Type errors elsewhere in the tree do not stop the emit.
 */
export async function buildDist(): Promise<string> {
  const outDir = join(cache, `horae-test-dist-${sourceKey()}`);
  const done = join(outDir, '.done');
  const lock = `${outDir}.lock`;
  mkdirSync(cache, { recursive: true });
  for (;;) {
    if (existsSync(done)) return outDir;
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > STALE_LOCK_MS)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((wake) => setTimeout(wake, 250));
      continue;
    }
    try {
      removeOldBuilds(outDir);
      await compile(outDir);
      writeFileSync(done, '');
      return outDir;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

async function compile(outDir: string): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [
    tsc,
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
    '--sourceMap',
    'false',
    '--declaration',
    'false',
  ];
  try {
    await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    if (!existsSync(join(outDir, 'index.js'))) throw error;
  }
}

/** Drops builds of other source trees that nobody has touched for ten minutes. */
function removeOldBuilds(keep: string): void {
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (!name.startsWith('horae-test-dist-') || path === keep || path.endsWith('.lock')) continue;
    if (Date.now() - statSync(path).mtimeMs > 600_000) rmSync(path, { recursive: true, force: true });
  }
}

function sourceKey(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stat = statSync(path);
        hash.update(`${relative(root, path)}:${stat.size}:${stat.mtimeMs}\n`);
      }
    }
  };
  walk(join(root, 'src'));
  return hash.digest('hex').slice(0, 16);
}
