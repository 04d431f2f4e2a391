// One Horae scheduler node of the cluster benchmarks, in a process of its own on the built package,
// driven by its parent (bench/cluster-wakeup.mjs, cluster-scale.mjs, cluster-idle.mjs) over IPC:
//
//   node bench/cluster-node.mjs '<config JSON>'     (spawned by spawnChild in cluster-common.mjs)
//
// config:
//   store      { kind: 'postgres' | 'redis', url, schema?, prefix? }: the job store, default options
//   broker     null | { kind: 'postgres' | 'redis' | 'mqtt', url, channel }: the event broker
//   role       the scheduler's role ('both', 'client', ...)
//   nodeId     the scheduler's node id
//   scheduler  more `new Scheduler()` options, as JSON
//   task       what the job 'bench' (one argument, its index i) does when it runs:
//              'wake'   send { type: 'run', i, at } to the parent at once
//              'record' keep (i, at) for the report, and send { type: 'progress', runs } every 100 ms
//   count      true: count the statements (pg) or commands (ioredis) this process sends
//
// Commands (parent → node) and replies:
//   { op: 'add', i, lead }            adds job `wake-<i>` due `lead` ms from now
//                                     → { type: 'added', i, addStart, addEnd, due }
//   { op: 'addMany', count, due }     adds jobs `job-0` … due at `due` (epoch ms), 100 adds in flight
//                                     → { type: 'addedMany', ms }
//   { op: 'report' }                  → { type: 'report', runs: [i, at, i, at, ...] }
//   { op: 'measure', ms }             CPU time and statements over the next `ms`
//                                     → { type: 'measured', cpuMs, statements, windowMs, rssMiB }
//   { op: 'stop' }                    shuts the scheduler down and exits 0
// It sends { type: 'ready', at } once the scheduler has started. Times are wall-clock ms
// (wallClock() in cluster-common.mjs). It exits when its parent goes away.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, wallClock } from './cluster-common.mjs';

const config = JSON.parse(process.argv[2]);
process.on('disconnect', () => process.exit(1));
const now = wallClock();
const send = (message) => process.send?.(message);
const load = (path) => import(pathToFileURL(join(DIST, path)).href);

const counters = { statements: 0 };
// Before the store loads its driver: the store then imports the same, patched, module.
if (config.count === true) await countStatements(config.store.kind);

const horae = await load('index.js');
const label = config.nodeId ?? config.role ?? 'node';
const log = (level) => (message, error) =>
  process.stderr.write(`${level} ${message}${error === undefined ? '' : ` ${error?.stack ?? error}`}\n`);
const scheduler = new horae.Scheduler({
  ...config.scheduler,
  jobStores: { default: await makeStore(config.store) },
  ...(config.broker ? { eventBroker: await makeBroker(config.broker) } : {}),
  ...(config.role ? { role: config.role } : {}),
  ...(config.nodeId ? { nodeId: config.nodeId } : {}),
  logger: { debug() {}, info() {}, warn: log('warn'), error: log('error') },
});

const runs = [];
let reported = 0;
if (config.task === 'record') {
  setInterval(() => {
    if (runs.length === reported) return;
    reported = runs.length;
    send({ type: 'progress', runs: runs.length / 2 });
  }, 100).unref();
}
await scheduler.registerTask('bench', (i) => {
  const at = now();
  if (config.task === 'wake') send({ type: 'run', i, at });
  else if (config.task === 'record') runs.push(i, at);
});

/** The commands of the parent, by `op`; each resolves with the reply to send, or nothing. */
const COMMANDS = {
  async add({ i, lead }) {
    const addStart = now();
    const due = Math.floor(addStart) + lead;
    // No misfire limit: without a broker the job is found at the next poll, seconds later.
    await scheduler.addJob('bench', 'date', {
      id: `wake-${i}`,
      runDate: new Date(due),
      args: [i],
      misfireGraceTime: null,
    });
    return { type: 'added', i, addStart, addEnd: now(), due };
  },
  async addMany({ count, due }) {
    const start = now();
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const i = next++;
        // No misfire limit: the last of 10,000 runs may start seconds after its time.
        await scheduler.addJob('bench', 'date', {
          id: `job-${i}`,
          runDate: new Date(due),
          args: [i],
          misfireGraceTime: null,
        });
      }
    };
    await Promise.all(Array.from({ length: 100 }, lane));
    return { type: 'addedMany', ms: now() - start };
  },
  report: () => ({ type: 'report', runs }),
  async measure({ ms }) {
    const cpu = process.cpuUsage();
    const statements = counters.statements;
    const start = now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const used = process.cpuUsage(cpu);
    return {
      type: 'measured',
      cpuMs: (used.user + used.system) / 1000,
      statements: counters.statements - statements,
      windowMs: now() - start,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
    };
  },
  async stop() {
    await scheduler.shutdown();
    process.exit(0);
  },
};
process.on('message', (message) => {
  Promise.resolve()
    .then(() => COMMANDS[message.op](message))
    .then(
      (reply) => reply && send(reply),
      (error) => {
        process.stderr.write(`${label}: ${message.op} failed: ${error?.stack ?? error}\n`);
        process.exit(1);
      },
    );
});

await scheduler.start();
send({ type: 'ready', at: now() });

async function makeStore({ kind, url, schema, prefix }) {
  if (kind === 'postgres') {
    const { PostgresJobStore } = await load('stores/postgres/index.js');
    return new PostgresJobStore({ url, ...(schema === undefined ? {} : { schema }) });
  }
  if (kind === 'redis') {
    const { RedisJobStore } = await load('stores/redis/index.js');
    return new RedisJobStore({ url, prefix });
  }
  throw new Error(`unknown store ${kind}`);
}

async function makeBroker({ kind, url, channel }) {
  const classes = { postgres: 'PostgresEventBroker', redis: 'RedisEventBroker', mqtt: 'MqttEventBroker' };
  const module = await load(`brokers/${kind}/index.js`);
  return new module[classes[kind]]({ url, channel });
}

/**
 * Counts what this process sends to the server: each pg `Client#query` (one statement, BEGIN and
 * COMMIT included; the pool's clients are pg `Client`s) or each ioredis `sendCommand` (one command;
 * a script call is one).
 */
async function countStatements(kind) {
  if (kind === 'postgres') {
    const pg = (await import('pg')).default;
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function countedQuery(...args) {
      counters.statements++;
      return query.apply(this, args);
    };
  } else {
    const { Redis } = await import('ioredis');
    const sendCommand = Redis.prototype.sendCommand;
    Redis.prototype.sendCommand = function countedCommand(...args) {
      counters.statements++;
      return sendCommand.apply(this, args);
    };
  }
}
