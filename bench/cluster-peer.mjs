// One pg-boss or BullMQ process of the scale-out benchmark (bench/cluster-scale.mjs), the peers'
// counterpart of cluster-node.mjs, driven by its parent over IPC:
//
//   node bench/cluster-peer.mjs '<config JSON>'     (spawned by spawnChild in cluster-common.mjs)
//
// config:
//   lib        'pgboss' | 'bullmq'
//   url        the PostgreSQL or Redis server
//   namespace  pg-boss's schema, or BullMQ's key prefix
//   role       'setup' (adds the jobs on { op: 'addMany' }) or 'worker' (runs them)
//   pgboss     { batchSize, pollingIntervalSeconds, workers }: each worker is one `boss.work()` loop
//   bullmq     { concurrency }: the `Worker`'s
//
// The same commands and replies as cluster-node.mjs: 'addMany' (→ 'addedMany'), 'report', 'stop';
// a worker sends 'ready' once it listens, and 'progress' every 100 ms while it runs jobs. A job's
// data is `{ i }`, its index; the handler notes (i, wall-clock ms) and does nothing else.
import { wallClock } from './cluster-common.mjs';

const QUEUE = 'bench';
const config = JSON.parse(process.argv[2]);
process.on('disconnect', () => process.exit(1));
const now = wallClock();
const send = (message) => process.send?.(message);

const runs = [];
let reported = 0;
const record = (i) => runs.push(i, now());
const peer = config.lib === 'pgboss' ? await pgBoss() : await bullMq();

const COMMANDS = {
  async addMany({ count, due }) {
    const start = now();
    for (let first = 0; first < count; first += 1000) {
      await peer.add(
        Array.from({ length: Math.min(1000, count - first) }, (_, k) => first + k),
        due,
      );
    }
    return { type: 'addedMany', ms: now() - start };
  },
  report: () => ({ type: 'report', runs }),
  async stop() {
    await peer.close();
    process.exit(0);
  },
};
process.on('message', (message) => {
  Promise.resolve()
    .then(() => COMMANDS[message.op](message))
    .then(
      (reply) => reply && send(reply),
      (error) => {
        process.stderr.write(`${config.lib}: ${message.op} failed: ${error?.stack ?? error}\n`);
        process.exit(1);
      },
    );
});

if (config.role === 'worker') {
  await peer.work();
  setInterval(() => {
    if (runs.length === reported) return;
    reported = runs.length;
    send({ type: 'progress', runs: runs.length / 2 });
  }, 100).unref();
}
send({ type: 'ready', at: now() });

/**
 * pg-boss in schema `namespace`, its defaults but for the worker's fetch: `batchSize` jobs per
 * fetch, polled every `pollingIntervalSeconds`, `workers` fetch loops per process (pg-boss 10 runs
 * one batch at a time per `work()` call, and waits for the polling interval between fetches).
 */
async function pgBoss() {
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: config.url, schema: config.namespace });
  boss.on('error', (error) => process.stderr.write(`pg-boss error: ${error?.stack ?? error}\n`));
  await boss.start();
  if (config.role === 'setup') await boss.createQueue(QUEUE);
  const { batchSize, pollingIntervalSeconds, workers } = config.pgboss;
  return {
    add: (indices, due) =>
      boss.insert(indices.map((i) => ({ name: QUEUE, data: { i }, startAfter: new Date(due) }))),
    async work() {
      for (let k = 0; k < workers; k++) {
        await boss.work(QUEUE, { batchSize, pollingIntervalSeconds }, async (jobs) => {
          for (const job of jobs) record(job.data.i);
        });
      }
    },
    close: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}

/** BullMQ with key prefix `namespace`: delayed jobs due at the instant, one `Worker` per process. */
async function bullMq() {
  const { Queue, Worker } = await import('bullmq');
  const parsed = new URL(config.url);
  const connection = { host: parsed.hostname, port: Number(parsed.port || 6379) };
  const queue = new Queue(QUEUE, { connection, prefix: config.namespace });
  let worker = null;
  await queue.waitUntilReady();
  return {
    // The delay is taken from each batch's own add time, so every job comes due at `due`.
    add: (indices, due) =>
      queue.addBulk(
        indices.map((i) => ({ name: QUEUE, data: { i }, opts: { delay: Math.max(0, due - Date.now()) } })),
      ),
    async work() {
      worker = new Worker(QUEUE, async (job) => record(job.data.i), {
        connection,
        prefix: config.namespace,
        concurrency: config.bullmq.concurrency,
      });
      worker.on('error', (error) => process.stderr.write(`BullMQ error: ${error?.stack ?? error}\n`));
      await worker.waitUntilReady();
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
