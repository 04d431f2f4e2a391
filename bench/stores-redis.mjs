// Redis job store vs BullMQ on the same Redis: add N jobs due at one instant, then fire all N.
//
//   npm run build && node bench/stores-redis.mjs [--runs 3] [--jobs 10000] [--lead 8000] \
//     [--concurrency 100] [--url redis://127.0.0.1:6379]
//
// Four scenarios, each run in a fresh child process with its own key prefix (deleted afterwards):
//   horae-interval    10,000 Horae interval jobs (every 60 s) whose first run is the fire instant
//   bullmq-scheduler  10,000 BullMQ job schedulers (repeatable jobs, every 60 s, startDate = fire instant)
//   horae-date        10,000 Horae one-shot date jobs at the fire instant
//   bullmq-delayed    10,000 BullMQ delayed jobs at the fire instant
// The job records how late it started (against the fire instant) and nothing else. Both sides keep a
// record of each run: Horae its run history, BullMQ its completed jobs (its default). "fire" is the
// time from the fire instant to the last job's start; jobs/s is N divided by it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : args[index + 1];
};
const SCENARIOS = ['horae-interval', 'bullmq-scheduler', 'horae-date', 'bullmq-delayed'];
const hrNow = () => performance.timeOrigin + performance.now();

if (args[0] === '--child') await child(args[1], args[2], Number(args[3]), Number(args[4]), Number(args[5]));
else await parent();

async function parent() {
  const runs = Number(option('runs', 3));
  const jobs = Number(option('jobs', 10_000));
  const lead = Number(option('lead', 8000));
  const concurrency = Number(option('concurrency', 100));
  const url = option('url', process.env.HORAE_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const results = Object.fromEntries(SCENARIOS.map((scenario) => [scenario, []]));
  for (let run = 1; run <= runs; run++) {
    for (const scenario of SCENARIOS) {
      const result = await runChild(scenario, url, jobs, lead, concurrency);
      results[scenario].push(result);
      console.error(
        `run ${run} ${scenario.padEnd(17)} add ${fmt(result.addMs)} ms, fire ${fmt(result.fireMs)} ms, ` +
          `p99 late ${fmt(result.p99)} ms${result.addOverran ? '  (adding overran the lead time!)' : ''}`,
      );
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const summary = Object.fromEntries(
    SCENARIOS.map((scenario) => {
      const list = results[scenario];
      return [
        scenario,
        {
          add: median(list.map((r) => jobs / (r.addMs / 1000))),
          fire: median(list.map((r) => jobs / (r.fireMs / 1000))),
          p50: median(list.map((r) => r.p50)),
          p99: median(list.map((r) => r.p99)),
          max: median(list.map((r) => r.max)),
        },
      ];
    }),
  );
  const redisVersion = await readRedisVersion(url);
  console.log(
    `\n${jobs} jobs, medians of ${runs} runs, Node ${process.version}, Redis ${redisVersion}, ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, concurrency ${concurrency}\n`,
  );
  console.log(
    '| scenario | add (jobs/s) | fire (jobs/s) | p50 lateness (ms) | p99 lateness (ms) | max lateness (ms) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const scenario of SCENARIOS) {
    const s = summary[scenario];
    console.log(
      `| ${scenario} | ${int(s.add)} | ${int(s.fire)} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.max)} |`,
    );
  }
  const ratio = (a, b, key, better) => {
    const value = summary[a][key] / summary[b][key];
    return `${value.toFixed(2)}×${better === 'lower' ? ' (lower is better)' : ''}`;
  };
  console.log('\n| Horae ÷ BullMQ | add rate | fire rate | p99 lateness |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| repeatable: horae-interval ÷ bullmq-scheduler | ${ratio('horae-interval', 'bullmq-scheduler', 'add')} | ${ratio('horae-interval', 'bullmq-scheduler', 'fire')} | ${ratio('horae-interval', 'bullmq-scheduler', 'p99', 'lower')} |`,
  );
  console.log(
    `| one-shot: horae-date ÷ bullmq-delayed | ${ratio('horae-date', 'bullmq-delayed', 'add')} | ${ratio('horae-date', 'bullmq-delayed', 'fire')} | ${ratio('horae-date', 'bullmq-delayed', 'p99', 'lower')} |`,
  );
}

function runChild(scenario, url, jobs, lead, concurrency) {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [new URL(import.meta.url).pathname, '--child', scenario, url, jobs, lead, concurrency],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`${scenario} failed (exit ${code}):\n${out}`));
      else resolve(JSON.parse(line.slice(7)));
    });
  });
}

async function child(scenario, url, jobs, lead, concurrency) {
  const tag = randomBytes(4).toString('hex');
  const lateness = new Float64Array(jobs);
  let done = 0;
  let lastStart = 0;
  let fireAt = 0;
  let allDone;
  const finished = new Promise((resolve) => (allDone = resolve));
  const hit = () => {
    const now = hrNow();
    lateness[done++] = now - fireAt;
    if (done === jobs) {
      lastStart = now;
      allDone();
    }
  };
  const side = scenario.startsWith('horae')
    ? await horaeSide(scenario, url, tag, concurrency, hit)
    : await bullmqSide(scenario, url, tag, concurrency, hit);

  const addStart = hrNow();
  fireAt = Math.ceil(addStart) + lead;
  await inPool(jobs, 100, (i) => side.add(i, fireAt));
  const addEnd = hrNow();
  const timeout = setTimeout(() => {
    console.error(`${scenario}: only ${done} of ${jobs} jobs ran within 120 s`);
    process.exit(1);
  }, lead + 120_000);
  await finished;
  clearTimeout(timeout);
  await side.close();
  await deleteKeys(url, side.keyPrefix);
  lateness.sort();
  const at = (q) => lateness[Math.min(jobs - 1, Math.floor(q * jobs))];
  const result = {
    addMs: addEnd - addStart,
    addOverran: addEnd > fireAt,
    fireMs: lastStart - fireAt,
    p50: at(0.5),
    p99: at(0.99),
    max: lateness[jobs - 1],
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

async function horaeSide(scenario, url, tag, concurrency, hit) {
  const { Scheduler } = await import('../dist/index.js');
  const { RedisJobStore } = await import('../dist/stores/redis/index.js');
  const keyPrefix = `horae-bench:${tag}:`;
  const scheduler = new Scheduler({
    jobStores: { default: new RedisJobStore({ url, prefix: keyPrefix }) },
    executors: { default: { type: 'async', maxConcurrency: concurrency } },
    jobDefaults: { misfireGraceTime: null },
    logger: { debug() {}, info() {}, warn: console.error, error: console.error },
  });
  // Run history is written for reported runs; listening makes every run reported, as in production.
  scheduler.on('job_executed', () => {});
  scheduler.registerTask('work', hit);
  await scheduler.start();
  const oneShot = scenario === 'horae-date';
  return {
    keyPrefix,
    add: (i, fireAt) =>
      oneShot
        ? scheduler.addJob('work', 'date', { runDate: new Date(fireAt), id: `job-${i}` })
        : scheduler.addJob('work', 'interval', { seconds: 60, startDate: new Date(fireAt), id: `job-${i}` }),
    close: () => scheduler.shutdown(),
  };
}

async function bullmqSide(scenario, url, tag, concurrency, hit) {
  const { Queue, Worker } = await import('bullmq');
  const parsed = new URL(url);
  const connection = { host: parsed.hostname, port: Number(parsed.port || 6379) };
  const keyPrefix = `bullmq-bench-${tag}`;
  const queue = new Queue('work', { connection, prefix: keyPrefix });
  const worker = new Worker('work', async () => hit(), { connection, prefix: keyPrefix, concurrency });
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const oneShot = scenario === 'bullmq-delayed';
  return {
    keyPrefix,
    add: (i, fireAt) =>
      oneShot
        ? queue.add('work', {}, { delay: fireAt - Date.now(), jobId: `job-${i}` })
        : queue.upsertJobScheduler(
            `job-${i}`,
            { every: 60_000, startDate: fireAt },
            { name: 'work', data: {} },
          ),
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}

/** Runs `task(0..count-1)` with at most `width` in flight. */
async function inPool(count, width, task) {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

async function deleteKeys(url, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

async function readRedisVersion(url) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  const info = await redis.info('server');
  await redis.quit();
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

function fmt(value) {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function int(value) {
  return Math.round(value).toLocaleString('en-US');
}
