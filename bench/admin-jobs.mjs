// Admin job list benchmark (issue 14): N jobs in PostgreSQL, then the admin handler's job list
// over real HTTP on loopback: the first page (cold, then median and p95), a searched page, a
// status-filtered page, the last page, the dashboard's jobs page, the counts of /api/scheduler,
// and requests per second of the first page with a few concurrent clients.
//
//   npx tsc -p tsconfig.build.json && node bench/admin-jobs.mjs [--jobs 100000] [--requests 50] \
//     [--seconds 5] [--clients 4] [--builds after=dist,before=/tmp/horae-before/dist]
//
// PostgreSQL from HORAE_POSTGRES_URL (default the loopback server of docs/stores.md). The jobs are
// inserted once, as serialized documents in multi-row INSERTs (setup, not measured), into a schema
// of this run that is dropped at the end; then `VACUUM ANALYZE`, as autovacuum would do after a
// bulk load. Each build named in --builds serves the same tables from a fresh child process
// (`serveAdmin` on a paused scheduler), and this process is the HTTP client, so client and server
// do not share an event loop. A build from before `queryJobs` shows the in-memory paging.
// Never part of the tests.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
const URL_ = process.env.HORAE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : args[index + 1];
};
/** One measurement stops after this many requests or this long, whichever comes first. */
const MAX_MEASURE_MS = 30_000;

if (args[0] === '--child') await child(args[1], args[2], args[3]);
else await parent();

async function parent() {
  const jobs = Number(option('jobs', 100_000));
  const requests = Number(option('requests', 50));
  const seconds = Number(option('seconds', 5));
  const clients = Number(option('clients', 4));
  const builds = option('builds', `after=${join(here, '..', 'dist')}`)
    .split(',')
    .map((spec) => {
      const [label, path] = spec.split('=');
      return { label, dist: resolve(path) };
    });
  const schema = `horae_bench_${randomBytes(4).toString('hex')}`;
  const prefix = 'admin_';
  const pool = new pg.Pool({ connectionString: URL_, max: 4 });
  try {
    const setupStart = performance.now();
    await insertJobs(pool, builds[0].dist, schema, prefix, jobs);
    console.error(
      `setup: ${jobs} jobs inserted in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
    );
    const results = [];
    for (const build of builds) {
      results.push({
        label: build.label,
        ...(await measureBuild(build, schema, prefix, requests, seconds, clients)),
      });
    }
    report(results, jobs, requests, seconds, clients);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

/** Creates the tables through the store, then inserts `count` documents made from one real job. */
async function insertJobs(pool, dist, schema, prefix, count) {
  const load = (path) => import(pathToFileURL(join(dist, path)).href);
  const horae = await load('index.js');
  const { PostgresJobStore } = await load('stores/postgres/index.js');
  const store = new PostgresJobStore({ url: URL_, schema, tablePrefix: prefix });
  const scheduler = new horae.Scheduler({ jobStores: { default: store }, logger: horae.silentLogger });
  await scheduler.registerTask('ok', () => undefined);
  await scheduler.start({ paused: true });
  await scheduler.addJob('ok', 'interval', { minutes: 60, id: 'template', name: 'template' });
  await scheduler.shutdown();
  const table = `"${schema}"."${prefix}jobs"`;
  const { rows } = await pool.query(`SELECT job FROM ${table} WHERE id = 'template'`);
  await pool.query(`DELETE FROM ${table}`);
  const template = JSON.parse(rows[0].job);
  const now = Date.now();
  const BATCH = 1000;
  for (let start = 0; start < count; start += BATCH) {
    const values = [];
    const params = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const id = `job-${String(i).padStart(6, '0')}`;
      // Spread over 30 days in an order unlike the ids; every tenth job paused.
      const next = i % 10 === 0 ? null : now + ((i * 7919) % 2_592_000) * 1000;
      const document = { ...template, id, name: `Nightly report for customer ${i % 5000}` };
      document.nextRunTime = next;
      document.nextFireTime = next;
      const n = params.length;
      values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`);
      params.push(id, JSON.stringify(document), next, next);
    }
    await pool.query(
      `INSERT INTO ${table} (id, job, next_run_time, next_fire_time) VALUES ${values.join(', ')}`,
      params,
    );
  }
  await pool.query(`VACUUM ANALYZE ${table}`);
}

async function measureBuild(build, schema, prefix, requests, seconds, clients) {
  const server = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--child', build.dist, schema, prefix],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const base = await new Promise((resolveUrl, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /URL (\S+)/.exec(out);
      if (match) resolveUrl(match[1].replace(/\/$/, ''));
    });
    server.on('exit', (code) => reject(new Error(`server of ${build.label} exited with ${code}`)));
  });
  try {
    const get = async (path) => {
      const started = performance.now();
      const response = await globalThis.fetch(`${base}${path}`);
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 200)}`);
      return { ms: performance.now() - started, body };
    };
    const first = await get('/api/jobs?limit=50');
    const total = JSON.parse(first.body).total;
    const searched = JSON.parse((await get('/api/jobs?search=customer%204242&limit=50')).body).total;
    const latency = async (path) => {
      const times = [];
      const until = performance.now() + MAX_MEASURE_MS;
      while (times.length < requests && performance.now() < until) times.push((await get(path)).ms);
      times.sort((a, b) => a - b);
      const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
      return { n: times.length, p50: at(0.5), p95: at(0.95) };
    };
    const result = {
      coldMs: first.ms,
      total,
      searched,
      firstPage: await latency('/api/jobs?limit=50'),
      search: await latency('/api/jobs?search=customer%204242&limit=50'),
      paused: await latency('/api/jobs?status=paused&limit=50'),
      lastPage: await latency(`/api/jobs?limit=50&offset=${total - 50}`),
      dashboard: await latency('/jobs'),
      counts: await latency('/api/scheduler'),
    };
    let done = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) {
          await get('/api/jobs?limit=50');
          done++;
        }
      }),
    );
    result.rps = done / ((performance.now() - started) / 1000);
    return result;
  } finally {
    server.stdin.end();
    await new Promise((resolveExit) => server.once('exit', resolveExit));
  }
}

/** The server: a paused scheduler on the benchmark's tables and its admin handler; ends when stdin closes. */
async function child(dist, schema, prefix) {
  const load = (path) => import(pathToFileURL(join(dist, path)).href);
  const horae = await load('index.js');
  const { PostgresJobStore } = await load('stores/postgres/index.js');
  const { serveAdmin } = await load('admin/index.js');
  const store = new PostgresJobStore({ url: URL_, schema, tablePrefix: prefix });
  const scheduler = new horae.Scheduler({ jobStores: { default: store }, logger: horae.silentLogger });
  await scheduler.registerTask('ok', () => undefined);
  await scheduler.start({ paused: true });
  const admin = await serveAdmin(scheduler, { insecure: true, port: 0 });
  process.stdout.write(`URL ${admin.url}\n`);
  process.stdin.resume();
  await new Promise((resolveEnd) => process.stdin.once('end', resolveEnd));
  await admin.close();
  await scheduler.shutdown();
  process.exit(0);
}

function report(results, jobs, requests, seconds, clients) {
  const ms = (value) => (value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US'));
  const pair = (m) => `${ms(m.p50)} / ${ms(m.p95)}${m.n < requests ? ` (n=${m.n})` : ''}`;
  console.log(
    `\n${jobs.toLocaleString('en-US')} jobs in PostgreSQL; ms, median / p95 of ${requests} requests; ` +
      `${clients} clients for ${seconds} s\n`,
  );
  const rows = [
    ['first request (cold), ms', (r) => ms(r.coldMs)],
    ['GET /api/jobs (first page of 50)', (r) => pair(r.firstPage)],
    [`GET /api/jobs?search=customer 4242`, (r) => pair(r.search)],
    ['GET /api/jobs?status=paused', (r) => pair(r.paused)],
    ['GET /api/jobs, last page', (r) => pair(r.lastPage)],
    ['GET /jobs (dashboard page)', (r) => pair(r.dashboard)],
    ['GET /api/scheduler (counts)', (r) => pair(r.counts)],
    [`GET /api/jobs, requests/s`, (r) => Math.round(r.rps).toLocaleString('en-US')],
    ['total / matching search', (r) => `${r.total} / ${r.searched}`],
  ];
  console.log(`| measurement | ${results.map((r) => r.label).join(' | ')} |`);
  console.log(`| --- | ${results.map(() => '---:').join(' | ')} |`);
  for (const [name, cell] of rows) console.log(`| ${name} | ${results.map(cell).join(' | ')} |`);
}
