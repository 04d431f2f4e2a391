// Job store benchmark: per store, add N jobs, then fire N due jobs through a Scheduler; beside it
// APScheduler 3 with its SQLAlchemyJobStore on SQLite (bench/python/apscheduler_sqlalchemy.py).
//
//   npx tsc -p tsconfig.build.json && node bench/stores-fire.mjs [--runs 3] [--jobs 10000] \
//     [--stores memory,sqlite,postgres,mysql,redis,redis-cluster,zookeeper,etcd,apscheduler,apscheduler-wal]
//     [--scenarios date,interval]
//
// PostgreSQL, MySQL, Redis, Redis Cluster, ZooKeeper and etcd take their URLs from
// HORAE_POSTGRES_URL, HORAE_MYSQL_URL, HORAE_REDIS_URL, HORAE_REDIS_CLUSTER_URL, HORAE_ZOOKEEPER_URL
// and HORAE_ETCD_URL (default: the loopback servers of docs/stores.md); each run uses its own
// schema, table prefix, key prefix or root path and drops it.
// Every run is a fresh child process. Scenarios:
//   date      N one-shot date jobs (firing deletes each job)
//   interval  N interval jobs every 60 s (firing stores each job's next run time)
// The scheduler is started paused, the N jobs are added (100 adds in flight for Horae; APScheduler's
// add_job is synchronous), then it is resumed at the "due instant". The job notes when it started.
// add = N / time to add; fire = N / (last start - due instant); lateness = start - due instant.
// Run history is on (Horae's default, 10 records per job). Never part of the tests.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = process.env.HORAE_DIST ?? join(here, '..', 'dist');
const PYTHON = '/usr/bin/python3';
const URLS = {
  postgres: process.env.HORAE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.HORAE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.HORAE_REDIS_URL ?? 'redis://127.0.0.1:6379',
  redisCluster:
    process.env.HORAE_REDIS_CLUSTER_URL ??
    'redis+cluster://127.0.0.1:7000/?nodes=127.0.0.1:7001,127.0.0.1:7002',
  zookeeper: process.env.HORAE_ZOOKEEPER_URL ?? 'zookeeper://127.0.0.1:2181/horae-test',
  etcd: process.env.HORAE_ETCD_URL ?? 'etcd://127.0.0.1:2379/horae-test',
};

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : args[index + 1];
};

if (args[0] === '--child') await child(args[1], args[2], Number(args[3]));
else await parent();

async function parent() {
  const runs = Number(option('runs', 3));
  const jobs = Number(option('jobs', 10_000));
  const stores = option(
    'stores',
    'memory,sqlite,postgres,mysql,redis,redis-cluster,zookeeper,etcd,apscheduler,apscheduler-wal',
  ).split(',');
  const scenarios = option('scenarios', 'date,interval').split(',');
  const results = new Map();
  for (let run = 1; run <= runs; run++) {
    for (const scenario of scenarios) {
      for (const store of stores) {
        const result = await runChild(store, scenario, jobs);
        const key = `${store}/${scenario}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        console.error(
          `run ${run} ${key.padEnd(26)} add ${fmt(result.addRate)}/s  fire ${fmt(result.fireRate)}/s  ` +
            `p99 ${Math.round(result.p99)} ms`,
        );
      }
    }
  }
  report(results, runs, jobs, stores, scenarios);
}

function runChild(store, scenario, jobs) {
  const isPython = store.startsWith('apscheduler');
  const command = isPython ? PYTHON : process.execPath;
  const script = isPython
    ? [
        join(here, 'python', 'apscheduler_sqlalchemy.py'),
        String(jobs),
        scenario,
        store === 'apscheduler-wal' ? 'wal' : 'default',
      ]
    : [fileURLToPath(import.meta.url), '--child', store, scenario, String(jobs)];
  return new Promise((resolve, reject) => {
    const proc = spawn(command, script, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${store}/${scenario} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

async function child(storeName, scenario, jobs) {
  const load = (path) => import(pathToFileURL(join(DIST, path)).href);
  const horae = await load('index.js');
  const id = randomBytes(4).toString('hex');
  const { store, cleanup } = await makeStore(storeName, id, load);
  const logger = {
    debug() {},
    info() {},
    warn() {},
    error: (message, error) => console.error(message, error),
  };
  const scheduler = new horae.Scheduler({
    jobStores: { default: store },
    executors: { default: { type: 'async', maxConcurrency: 100 } },
    jobDefaults: { misfireGraceTime: null, coalesce: false },
    timezone: 'UTC',
    logger,
  });
  const starts = [];
  scheduler.registerTask('note', () => void starts.push(Date.now()));
  let executed = 0;
  const allDone = new Promise((resolve) =>
    scheduler.on('job_executed', () => {
      if (++executed === jobs) resolve();
    }),
  );
  await scheduler.start({ paused: true });

  const due = new Date();
  const addStart = performance.now();
  let next = 0;
  const adder = async () => {
    while (next < jobs) {
      const i = next++;
      if (scenario === 'date') await scheduler.addJob('note', 'date', { id: `job-${i}`, runDate: due });
      else await scheduler.addJob('note', 'interval', { id: `job-${i}`, seconds: 60, nextRunTime: due });
    }
  };
  await Promise.all(Array.from({ length: 100 }, adder));
  const addMs = performance.now() - addStart;

  const instant = Date.now();
  scheduler.resume();
  await allDone;
  const lateness = starts.map((start) => start - instant).sort((a, b) => a - b);
  const last = lateness[lateness.length - 1];
  await scheduler.shutdown();
  await cleanup();
  const pick = (q) => lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))];
  const result = {
    addRate: (jobs / addMs) * 1000,
    fireRate: (jobs / Math.max(1, last)) * 1000,
    p50: pick(0.5),
    p99: pick(0.99),
    max: last,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

async function makeStore(name, id, load) {
  if (name === 'memory')
    return { store: new (await load('index.js')).MemoryJobStore(), cleanup: async () => {} };
  if (name === 'sqlite') {
    // In the temp directory, as APScheduler's file (here on the same disk as the project, not tmpfs).
    const dir = mkdtempSync(join(tmpdir(), 'horae-bench-'));
    const { SqliteJobStore } = await load('stores/sqlite/index.js');
    return {
      store: new SqliteJobStore({ path: join(dir, 'jobs.sqlite') }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (name === 'postgres') {
    const { PostgresJobStore } = await load('stores/postgres/index.js');
    const schema = `horae_bench_${id}`;
    const pg = (await import('pg')).default;
    return {
      store: new PostgresJobStore({ url: URLS.postgres, schema }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: URLS.postgres });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  if (name === 'mysql') {
    const { MySqlJobStore } = await load('stores/mysql/index.js');
    const tablePrefix = `horae_bench_${id}_`;
    const mysql = (await import('mysql2/promise')).default;
    return {
      store: new MySqlJobStore({ url: URLS.mysql, tablePrefix }),
      cleanup: async () => {
        const connection = await mysql.createConnection({ uri: URLS.mysql });
        for (const table of ['jobs', 'runs', 'schema_version']) {
          await connection.query(`DROP TABLE IF EXISTS \`${tablePrefix}${table}\``);
        }
        await connection.end();
      },
    };
  }
  if (name === 'redis' || name === 'redis-cluster') {
    const { RedisJobStore } = await load('stores/redis/index.js');
    const url = name === 'redis' ? URLS.redis : URLS.redisCluster;
    const store = new RedisJobStore({ url, prefix: `horae-bench:${id}:` });
    return { store, cleanup: () => deleteRedisKeys(url, store.keyPrefix) };
  }
  if (name === 'zookeeper') {
    const { ZooKeeperJobStore } = await load('stores/zookeeper/index.js');
    // The URL's hosts (one or a list), and a root of this run's own under the URL's root.
    const [, hosts, base] = /^zookeeper:\/\/([^/?]+)([^?]*)/.exec(URLS.zookeeper);
    const root = `${base.replace(/\/$/, '') || '/horae-test'}/bench-${id}`;
    return {
      store: new ZooKeeperJobStore({ url: `zookeeper://${hosts}${root}` }),
      cleanup: () => removeZooKeeperTree(hosts, root),
    };
  }
  if (name === 'etcd') {
    const { EtcdJobStore } = await load('stores/etcd/index.js');
    // The URL's hosts (one or a list), and a prefix of this run's own under the URL's path.
    const [, hosts, base] = /^etcd:\/\/([^/?]+)\/?([^?]*)/.exec(URLS.etcd);
    const prefix = `${base.replace(/\/$/, '') || 'horae-test'}/bench-${id}/`;
    return {
      store: new EtcdJobStore({ url: `etcd://${hosts}/${prefix}` }),
      cleanup: () => deleteEtcdPrefix(hosts, prefix),
    };
  }
  throw new Error(`unknown store ${name}`);
}

/** Deletes every key under `prefix` on the etcd cluster at `hosts`. */
async function deleteEtcdPrefix(hosts, prefix) {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: hosts.split(',').map((host) => `http://${host}`) });
  await client.delete().prefix(prefix);
  client.close();
}

/** Removes the znode `root` and everything under it. */
async function removeZooKeeperTree(hosts, root) {
  const zookeeper = (await import('node-zookeeper-client')).default;
  const client = zookeeper.createClient(hosts);
  await new Promise((resolve) => {
    client.once('connected', resolve);
    client.connect();
  });
  const call = (run) =>
    new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))));
  const remove = async (path) => {
    const children = await call((done) => client.getChildren(path, done));
    await Promise.all(children.map((child) => remove(`${path}/${child}`)));
    await call((done) => client.remove(path, done));
  };
  await remove(root);
  client.close();
}

/** Deletes the keys under `keyPrefix` on a Redis, or on every master of a cluster. */
async function deleteRedisKeys(url, keyPrefix) {
  const { Redis, Cluster } = await import('ioredis');
  const cluster = url.startsWith('redis+cluster:');
  // The first seed node (the URL may list several, which WHATWG URL cannot parse).
  const [host, port] = url
    .replace(/^[^:]+:\/\/([^@/]*@)?/, '')
    .split(/[,/?]/)[0]
    .split(':');
  const client = cluster
    ? new Cluster([{ host, port: Number(port) }], { lazyConnect: true })
    : new Redis(url, { lazyConnect: true });
  await client.connect();
  for (const node of cluster ? client.nodes('master') : [client]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) await client.del(key);
    } while (cursor !== '0');
  }
  await client.quit();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function fmt(value) {
  return Math.round(value).toLocaleString('en-US');
}

function report(results, runs, jobs, stores, scenarios) {
  const lines = [
    `${fmt(jobs)} jobs, medians of ${runs} runs, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}`,
    '',
    '| store / scenario | add (jobs/s) | fire (jobs/s) | p50 lateness (ms) | p99 lateness (ms) | max lateness (ms) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const medians = new Map();
  for (const scenario of scenarios) {
    for (const store of stores) {
      const rows = results.get(`${store}/${scenario}`) ?? [];
      if (rows.length === 0) continue;
      const m = Object.fromEntries(
        ['addRate', 'fireRate', 'p50', 'p99', 'max'].map((k) => [k, median(rows.map((r) => r[k]))]),
      );
      medians.set(`${store}/${scenario}`, m);
      lines.push(
        `| ${store} / ${scenario} | ${fmt(m.addRate)} | ${fmt(m.fireRate)} | ${Math.round(m.p50)} | ${Math.round(m.p99)} | ${Math.round(m.max)} |`,
      );
    }
  }
  lines.push('', '| ratio | add | fire | p99 lateness |', '| --- | ---: | ---: | ---: |');
  for (const scenario of scenarios) {
    for (const base of ['apscheduler', 'apscheduler-wal']) {
      const theirs = medians.get(`${base}/${scenario}`);
      const ours = medians.get(`sqlite/${scenario}`);
      if (theirs === undefined || ours === undefined) continue;
      lines.push(
        `| sqlite ÷ ${base} (${scenario}) | ${(ours.addRate / theirs.addRate).toFixed(1)}× | ` +
          `${(ours.fireRate / theirs.fireRate).toFixed(1)}× | ${(ours.p99 / theirs.p99).toFixed(3)}× |`,
      );
    }
    const single = medians.get(`redis/${scenario}`);
    const cluster = medians.get(`redis-cluster/${scenario}`);
    if (single !== undefined && cluster !== undefined) {
      lines.push(
        `| redis-cluster ÷ redis (${scenario}) | ${(cluster.addRate / single.addRate).toFixed(2)}× | ` +
          `${(cluster.fireRate / single.fireRate).toFixed(2)}× | ${(cluster.p99 / single.p99).toFixed(3)}× |`,
      );
    }
  }
  console.log(lines.join('\n'));
}
