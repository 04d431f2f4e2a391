// What the cluster benchmarks share (bench/cluster-wakeup.mjs, cluster-scale.mjs, cluster-idle.mjs):
// server URLs, options, a wall clock that processes can compare, child processes on an IPC channel
// that never outlive the benchmark, the clean-up of schemas, databases and keys, and the medians and
// percentiles of the reports. Importing it has no side effect.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');
/** The build the Horae nodes run: `npm run build`'s `dist/`, or another one (to compare builds). */
export const DIST = process.env.HORAE_DIST ?? join(root, 'dist');

/** The servers, from the variables the tests read (tests/helpers/services.ts), else the loopback ones. */
export const URLS = {
  postgres: process.env.HORAE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.HORAE_REDIS_URL ?? 'redis://127.0.0.1:6379',
  mqtt: process.env.HORAE_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
};

/** `--name value` options of this process's command line. */
export function options(argv = process.argv.slice(2)) {
  const value = (name, fallback) => {
    const index = argv.indexOf(`--${name}`);
    return index === -1 || index + 1 >= argv.length ? fallback : argv[index + 1];
  };
  return {
    string: value,
    number: (name, fallback) => {
      const parsed = Number(value(name, String(fallback)));
      if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number`);
      return parsed;
    },
    list: (name, fallback) => value(name, fallback).split(',').filter(Boolean),
  };
}

/** A short random tag for this run's schema, key prefix and channel. */
export const newTag = () => randomBytes(4).toString('hex');

/**
 * Wall-clock milliseconds with sub-millisecond resolution: performance.now() plus an offset taken
 * at Date.now() millisecond edges (each sample can only under-estimate it, so the largest of 50 is
 * kept). Two processes on one machine read the same wall clock, so their times compare to well
 * under a millisecond, unlike `performance.timeOrigin`, which is fixed once per process.
 */
export function wallClock() {
  let offset = -Infinity;
  for (let k = 0; k < 50; k++) {
    const first = Date.now();
    let wall = Date.now();
    while (wall === first) wall = Date.now();
    offset = Math.max(offset, wall - performance.now());
  }
  return () => performance.now() + offset;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** `promise`, or a rejection naming `what` when it takes longer than `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------------------------------------
// Child processes. Every child is spawned with an IPC channel and exits when it loses it (see
// cluster-node.mjs), and the parent (`runMain`) kills whatever is left when it exits or is
// interrupted, after running the clean-ups registered for the case in progress.

const children = new Set();
const cleanups = new Set();

/** Kills every child still running (SIGKILL: nothing of theirs is needed any more). */
function killChildren() {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/**
 * Registers `cleanup` (async) to run if the benchmark is interrupted, or fails, before the function
 * it returns is called; a case calls that once it has cleaned up itself.
 */
export function onInterrupt(cleanup) {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

let interrupting = false;

/** Runs the pending clean-ups, for at most 15 s. */
async function runPendingCleanups() {
  await withTimeout(Promise.allSettled([...cleanups].map((cleanup) => cleanup())), 15_000, 'clean-up').catch(
    (error) => console.error(error.message),
  );
}

/**
 * Runs a benchmark's `main`, then exits. Its children are killed when it exits, however it exits.
 * On SIGINT / SIGTERM, or when `main` fails, the clean-ups pending (at most 15 s) run first, so
 * that an interrupted benchmark leaves no schema or keys behind; a failure of `main` caused by the
 * interruption (its children killed under it) is not reported.
 */
export async function runMain(main) {
  process.on('exit', killChildren);
  const interrupted = async (signal) => {
    interrupting = true;
    console.error(`\n${signal}: stopping the children and cleaning up`);
    killChildren();
    await runPendingCleanups();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await main();
  } catch (error) {
    if (interrupting) return new Promise(() => undefined);
    console.error(error);
    killChildren();
    await runPendingCleanups();
    process.exit(1);
  }
  process.exit(0);
}

/**
 * Spawns `node script '<config JSON>'` with an IPC channel. Messages from the child go to `onMessage`
 * first (return true to consume one), else into a mailbox that `next(type, ms, filter)` reads.
 * The child's stderr is passed through, each line prefixed with `label`.
 */
export function spawnChild(script, config, { label, onMessage = () => false }) {
  const child = spawn(process.execPath, [join(here, script), JSON.stringify(config)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  children.add(child);
  let exit = null;
  let stderrTail = '';
  const mailbox = [];
  const waiters = new Set();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    stderrTail = (stderrTail + text).slice(-4000);
    for (const line of text.split('\n')) if (line !== '') process.stderr.write(`  [${label}] ${line}\n`);
  });
  // A send racing the child's exit fails on its callback; nothing else is reported here.
  child.on('error', (error) => process.stderr.write(`  [${label}] ${error.message}\n`));
  child.on('message', (message) => {
    if (onMessage(message)) return;
    for (const waiter of waiters) {
      if (waiter.matches(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
    mailbox.push(message);
  });
  child.on('exit', (code, signal) => {
    children.delete(child);
    exit = code === null ? `signal ${signal}` : `code ${code}`;
    for (const waiter of waiters) waiter.reject(new Error(`${label} exited (${exit}) while waiting`));
    waiters.clear();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    label,
    /** Sends `message` if the child can still take it (one that is going away just misses it). */
    send: (message) => {
      if (child.connected) child.send(message, () => undefined);
    },
    /** The first message of `type` (and matching `filter`), received or to come within `ms`. */
    next(type, ms, filter = () => true) {
      const matches = (message) => message?.type === type && filter(message);
      const index = mailbox.findIndex(matches);
      if (index >= 0) return Promise.resolve(mailbox.splice(index, 1)[0]);
      if (exit !== null) return Promise.reject(new Error(`${label} had exited (${exit})`));
      let waiter;
      const promise = new Promise((resolve, reject) => {
        waiter = { matches, resolve, reject };
        waiters.add(waiter);
      });
      return withTimeout(promise, ms, `${type} from ${label}`).finally(() => waiters.delete(waiter));
    },
    /** Sends `message` and resolves with the reply of type `reply`. */
    request(message, reply, ms) {
      const answer = this.next(reply, ms);
      this.send(message);
      return answer;
    },
    /** Asks for a clean stop (`{ op: 'stop' }`); kills the child when it is not gone within `ms`. */
    async stop(ms = 15_000) {
      if (exit !== null) return;
      this.send({ op: 'stop' });
      const gone = await Promise.race([exited.then(() => true), sleep(ms).then(() => false)]);
      if (!gone) {
        console.error(`  [${label}] did not stop within ${ms} ms: killed`);
        child.kill('SIGKILL');
        await exited;
      }
    },
    kill() {
      if (exit === null) child.kill('SIGKILL');
      return exited;
    },
    stderrTail: () => stderrTail,
  };
}

// ------------------------------------------------------------------------------------------------
// Namespaces on the servers, and their clean-up.

/** A connection to the server of `url`, in database `database` (default: the URL's). */
async function pgClient(url, database) {
  const pg = (await import('pg')).default;
  const target = new URL(url);
  if (database !== undefined) target.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: target.href, application_name: 'horae-bench' });
  await client.connect();
  return client;
}

/** Runs `sql` once on the server of `url` (in database `database`). */
export async function pgQuery(url, sql, params = [], database) {
  const client = await pgClient(url, database);
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export const dropSchema = (url, schema) => pgQuery(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);

/** The URL of database `name` on the server of `url`. */
export function databaseUrl(url, name) {
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.href;
}

/** Creates database `name` (from the server's `postgres` database) and returns its URL. */
export async function createDatabase(url, name) {
  await pgQuery(url, `CREATE DATABASE "${name}"`, [], 'postgres');
  return databaseUrl(url, name);
}

/** Drops database `name`, ending the sessions still connected to it. */
export const dropDatabase = (url, name) =>
  pgQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, [], 'postgres');

/** Deletes every key of the Redis at `url` that starts with `prefix`. */
export async function deleteRedisKeys(url, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

// ------------------------------------------------------------------------------------------------
// Reports.

export function median(values) {
  const list = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (list.length === 0) return null;
  const mid = list.length >> 1;
  return list.length % 2 === 1 ? list[mid] : (list[mid - 1] + list[mid]) / 2;
}

/** The nearest-rank `p`th percentile of ascending `sorted`. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A figure for a table: `–` when missing, thousands separated from 1,000 up. */
export function fmt(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

/** `a ÷ b` as `1.23×`, or `–`. */
export function ratio(a, b) {
  if (a === null || b === null || a === undefined || b === undefined || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

/** The machine and build, for the head of a report. */
export async function machineNote() {
  const head = await new Promise((resolve) => {
    const git = spawn('git', ['describe', '--always', '--dirty'], { cwd: root });
    let out = '';
    git.stdout.on('data', (chunk) => (out += chunk));
    git.on('error', () => resolve(null));
    git.on('close', (code) => resolve(code === 0 ? out.trim() : null));
  });
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  const build = `Horae from ${process.env.HORAE_DIST ?? 'dist/'}${head === null ? '' : ` (commit ${head})`}`;
  return `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${load}; ${build}`;
}
