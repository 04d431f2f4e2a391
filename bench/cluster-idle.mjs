// The heartbeat's cost (issue 13): CPU time and queries per second of an idle scheduler node with
// 10,000 stored jobs due far in the future, default options, on PostgreSQL and on Redis. Never part
// of the tests.
//
//   npm run build && node bench/cluster-idle.mjs [--runs 3] [--stores postgres,redis] [--jobs 10000]
//       [--window 60] [--settle 10] [--scheduler '{"heartbeatInterval":1}']
//
// One measurement: a fresh PostgreSQL database (so that its pg_stat_database row counts this node's
// transactions only) or Redis key prefix, dropped afterwards; a process in the 'client' role adds
// the jobs (one-shot, due 30 days ahead) and stops; then one node (cluster-node.mjs) starts with the
// default options (role 'both', leaseTime 30 s, heartbeatInterval 5 s, maxSleep 30 s, no broker),
// or those of --scheduler. After --settle s, it measures itself for --window s:
//   CPU          process.cpuUsage() over the window (user + system), as ms per minute and % of a core
//   statements   what the node sent: pg `Client#query` calls (BEGIN and COMMIT included) or ioredis
//                commands (a script call is one), counted by a wrapper inside the node
//   server       PostgreSQL: the database's xact_commit + xact_rollback delta (pg_stat_database;
//                a backend reports its counts when idle, at most 10 s late, so the window's edges
//                may shift a few); Redis: the delta of all `calls` in INFO commandstats, the commands
//                run inside scripts included, of the whole server (other clients too: read it on a
//                quiet machine only)
// URLs: HORAE_POSTGRES_URL, HORAE_REDIS_URL (default: the loopback servers).
import {
  URLS,
  createDatabase,
  deleteRedisKeys,
  dropDatabase,
  fmt,
  machineNote,
  median,
  newTag,
  onInterrupt,
  options,
  pgQuery,
  runMain,
  sleep,
  spawnChild,
} from './cluster-common.mjs';

const DAY_MS = 86_400_000;
const LABELS = { postgres: 'PostgreSQL', redis: 'Redis' };

const args = options();
const runs = args.number('runs', 3);
const stores = args.list('stores', 'postgres,redis');
const jobs = args.number('jobs', 10_000);
const windowMs = args.number('window', 60) * 1000;
const settleMs = args.number('settle', 10) * 1000;
const schedulerOptions = JSON.parse(args.string('scheduler', '{}'));
for (const store of stores) if (!(store in LABELS)) throw new Error(`unknown store ${store}`);

const note = await machineNote();
console.error(note);
const results = new Map(stores.map((store) => [store, []]));
await runMain(async () => {
  for (let run = 1; run <= runs; run++) {
    for (const store of stores) {
      const result = await measure(store);
      results.get(store).push(result);
      console.error(
        `run ${run}/${runs} ${store.padEnd(8)} CPU ${fmt(result.cpuPerMinute, 0)} ms/min, ` +
          `${fmt(result.statementsPerSecond, 2)} statements/s, server ${fmt(result.serverPerSecond, 2)}/s, ` +
          `RSS ${fmt(result.rssMiB, 0)} MiB`,
      );
    }
  }
  report();
});

async function measure(store) {
  const tag = newTag();
  const namespace = `horae_bench_idle_${tag}`;
  let storeConfig;
  let cleanup;
  if (store === 'postgres') {
    const url = await createDatabase(URLS.postgres, namespace);
    storeConfig = { kind: 'postgres', url };
    cleanup = () => dropDatabase(URLS.postgres, namespace);
  } else {
    storeConfig = { kind: 'redis', url: URLS.redis, prefix: `${namespace}:` };
    cleanup = () => deleteRedisKeys(URLS.redis, namespace);
  }
  const release = onInterrupt(cleanup);
  const processes = [];
  try {
    const setup = spawnChild(
      'cluster-node.mjs',
      { store: storeConfig, role: 'client', task: 'none' },
      {
        label: `${store} setup`,
      },
    );
    processes.push(setup);
    await setup.next('ready', 60_000);
    await setup.request({ op: 'addMany', count: jobs, due: Date.now() + 30 * DAY_MS }, 'addedMany', 600_000);
    await setup.stop();
    const node = spawnChild(
      'cluster-node.mjs',
      { store: storeConfig, task: 'none', count: true, nodeId: 'idle', scheduler: schedulerOptions },
      { label: `${store} node` },
    );
    processes.push(node);
    await node.next('ready', 60_000);
    await sleep(settleMs);
    const measured = node.request({ op: 'measure', ms: windowMs }, 'measured', windowMs + 60_000);
    const before = await serverCount(store, namespace);
    const result = await measured;
    const after = await serverCount(store, namespace);
    const seconds = result.windowMs / 1000;
    return {
      cpuPerMinute: (result.cpuMs / seconds) * 60,
      cpuShare: result.cpuMs / result.windowMs,
      statementsPerSecond: result.statements / seconds,
      // Redis: the first INFO's own call is counted in the second reading.
      serverPerSecond: (after - before - (store === 'redis' ? 1 : 0)) / seconds,
      rssMiB: result.rssMiB,
    };
  } finally {
    await Promise.all(processes.map((child) => child.stop()));
    await cleanup();
    release();
  }
}

/** PostgreSQL: the transactions of database `database`; Redis: all commands the server has run. */
async function serverCount(store, database) {
  if (store === 'postgres') {
    const { rows } = await pgQuery(
      URLS.postgres,
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
      [database],
      'postgres',
    );
    return Number(rows[0]?.n ?? NaN);
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(URLS.redis, { lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('commandstats');
    let calls = 0;
    for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(match[1]);
    return calls;
  } finally {
    redis.disconnect();
  }
}

function report() {
  const options =
    Object.keys(schedulerOptions).length === 0 ? 'default options' : JSON.stringify(schedulerOptions);
  console.log(`\n${note}`);
  console.log(
    `One idle node (${options}, no broker) with ${fmt(jobs, 0)} jobs due in 30 days, measured over ` +
      `${windowMs / 1000} s after ${settleMs / 1000} s; medians of ${runs} runs.\n`,
  );
  console.log(
    '| store | CPU (ms per minute) | CPU (% of a core) | statements/s sent by the node | server: transactions/s (PostgreSQL), commands/s (Redis, whole server) | RSS (MiB) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [store, list] of results) {
    const m = (key) => median(list.map((r) => r[key]));
    console.log(
      `| ${LABELS[store]} | ${fmt(m('cpuPerMinute'), 0)} | ${fmt(m('cpuShare') * 100, 2)} | ` +
        `${fmt(m('statementsPerSecond'), 2)} | ${fmt(m('serverPerSecond'), 2)} | ${fmt(m('rssMiB'), 0)} |`,
    );
  }
}
