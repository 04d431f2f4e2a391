// Scale-out (issue 13): fires per second of 10,000 due jobs with 1, 2 and 4 processes on one store,
// Horae on PostgreSQL and on Redis, beside pg-boss on the same PostgreSQL and BullMQ on the same Redis
// doing the same work. Never part of the tests.
//
//   npm run build && node bench/cluster-scale.mjs [--runs 3] [--jobs 10000] [--procs 1,2,4]
//       [--systems horae-postgres,pgboss,horae-redis,bullmq] [--lead 15000] [--concurrency 100]
//       [--pgboss-batch 1000] [--pgboss-poll 0.5] [--pgboss-workers 1] [--timeout 300]
//
// One measurement (a system, a process count): in a fresh schema or key prefix (dropped afterwards),
// a setup process adds the jobs, all due at one instant T = now + --lead ms; then the worker
// processes start, and the clock starts at T. Each job's handler notes its index and when it started,
// and does nothing else. fires/s = jobs / (last start - T). A measurement whose workers were not all
// ready 50 ms before T is run again with twice the lead (and the next lead of that system is at
// least twice its last add time plus 5 s).
//   horae-*   cluster-node.mjs: one-shot date jobs (misfireGraceTime null) added by a node in the
//             'client' role; workers are nodes with the default role ('both') and the defaults but for
//             the async executor's maxConcurrency (--concurrency). Run history on (the default).
//   pgboss    cluster-peer.mjs: jobs inserted with startAfter T; each worker process runs
//             --pgboss-workers `work()` loops fetching --pgboss-batch jobs, polling every
//             --pgboss-poll s (0.5 is pg-boss's minimum).
//   bullmq    cluster-peer.mjs: delayed jobs due at T (addBulk); one Worker per process,
//             concurrency --concurrency; completed jobs kept (the default).
// Every job must start exactly once: the report counts jobs run twice, and a
// measurement fails when not every job has run within --timeout s of T.
// URLs: HORAE_POSTGRES_URL, HORAE_REDIS_URL (default: the loopback servers).
import {
  URLS,
  deleteRedisKeys,
  dropSchema,
  fmt,
  machineNote,
  median,
  newTag,
  onInterrupt,
  options,
  percentile,
  runMain,
  ratio,
  sleep,
  spawnChild,
} from './cluster-common.mjs';

/** Each system, its store, and the peer it is read against. */
const SYSTEMS = {
  'horae-postgres': { label: 'Horae', store: 'PostgreSQL', server: 'postgres', script: 'cluster-node.mjs' },
  pgboss: { label: 'pg-boss', store: 'PostgreSQL', server: 'postgres', script: 'cluster-peer.mjs' },
  'horae-redis': { label: 'Horae', store: 'Redis', server: 'redis', script: 'cluster-node.mjs' },
  bullmq: { label: 'BullMQ', store: 'Redis', server: 'redis', script: 'cluster-peer.mjs' },
};
const PEERS = { 'horae-postgres': 'pgboss', 'horae-redis': 'bullmq' };
/** A worker that is not ready this long before T would start the clock late: the lead is doubled. */
const READY_MARGIN_MS = 50;
/** The lead that was enough for each system last time (adding 10,000 jobs varies with the load). */
const leads = new Map();

const args = options();
const runs = args.number('runs', 3);
const jobs = args.number('jobs', 10_000);
const procs = args.list('procs', '1,2,4').map(Number);
const systems = args.list('systems', 'horae-postgres,pgboss,horae-redis,bullmq');
const initialLead = args.number('lead', 15_000);
const concurrency = args.number('concurrency', 100);
const timeoutMs = args.number('timeout', 300) * 1000;
const pgboss = {
  batchSize: args.number('pgboss-batch', 1000),
  pollingIntervalSeconds: args.number('pgboss-poll', 0.5),
  workers: args.number('pgboss-workers', 1),
};
for (const name of systems) if (!(name in SYSTEMS)) throw new Error(`unknown system ${name}`);

const note = await machineNote();
console.error(note);
const results = new Map();
await runMain(async () => {
  // Round-robin over systems and process counts, so drifts in machine load spread over all alike.
  for (let run = 1; run <= runs; run++) {
    for (const n of procs) {
      for (const name of systems) {
        const result = await measureWithLead(name, n);
        const key = `${name}/${n}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        console.error(
          `run ${run}/${runs} ${name.padEnd(14)} ×${n}: ${fmt(result.firesPerSecond, 0)} fires/s ` +
            `(last start ${fmt(result.lastMs, 0)} ms after T, p99 ${fmt(result.p99, 0)} ms; ` +
            `shares ${result.shares.join('/')}; add ${fmt(result.addMs, 0)} ms, lead ${result.lead} ms` +
            `${result.duplicates > 0 ? `; ${result.duplicates} DUPLICATES` : ''})`,
        );
      }
    }
  }
  report();
});

/**
 * Measures, doubling the lead (at most twice) while the workers were not ready in time. The first
 * lead is --lead, or twice the time the system's last setup took to add its jobs, plus 5 s.
 */
async function measureWithLead(name, n) {
  let lead = Math.max(initialLead, leads.get(name) ?? 0);
  for (let attempt = 0; ; attempt++) {
    const result = await measure(name, n, lead);
    if (!result.overran) {
      leads.set(name, Math.ceil(2 * result.addMs + 5000));
      return { ...result, lead };
    }
    if (attempt === 2)
      throw new Error(`${name} ×${n}: workers still not ready before T with a ${lead} ms lead`);
    console.error(
      `${name} ×${n}: adding and starting took longer than the ${lead} ms lead; again with ${lead * 2} ms`,
    );
    lead *= 2;
  }
}

/** One measurement of system `name` with `n` worker processes. */
async function measure(name, n, lead) {
  const system = SYSTEMS[name];
  const tag = newTag();
  const namespace = `horae_bench_scale_${tag}`;
  const cleanup = () =>
    system.server === 'postgres'
      ? dropSchema(URLS.postgres, namespace)
      : deleteRedisKeys(URLS.redis, namespace);
  const release = onInterrupt(cleanup);
  const url = URLS[system.server];
  const config = (role) =>
    system.script === 'cluster-peer.mjs'
      ? { lib: name, url, namespace, role, pgboss, bullmq: { concurrency } }
      : {
          store:
            system.server === 'postgres'
              ? { kind: 'postgres', url, schema: namespace }
              : { kind: 'redis', url, prefix: `${namespace}:` },
          broker: null,
          role: role === 'setup' ? 'client' : 'both',
          task: 'record',
          scheduler: { executors: { default: { type: 'async', maxConcurrency: concurrency } } },
        };
  const processes = [];
  const progress = new Array(n).fill(0);
  const total = () => progress.reduce((sum, runs) => sum + runs, 0);
  try {
    const due = Math.ceil(Date.now() + lead);
    const setup = spawnChild(system.script, config('setup'), { label: `${name} setup` });
    processes.push(setup);
    await setup.next('ready', 60_000);
    const { ms: addMs } = await setup.request(
      { op: 'addMany', count: jobs, due },
      'addedMany',
      lead + 300_000,
    );
    await setup.stop();
    for (let k = 0; k < n; k++) {
      processes.push(
        spawnChild(
          system.script,
          { ...config('worker'), nodeId: `worker-${k}` },
          {
            label: `${name} worker-${k}`,
            onMessage: (message) => {
              if (message.type !== 'progress') return false;
              progress[k] = message.runs;
              return true;
            },
          },
        ),
      );
    }
    const workers = processes.slice(1);
    await Promise.all(workers.map((worker) => worker.next('ready', 60_000)));
    if (Date.now() > due - READY_MARGIN_MS) return { overran: true };

    // Wait for every job, then collect what each worker ran; duplicates make the sum of the
    // progress reach `jobs` early, so the distinct count decides.
    let collected = null;
    while (collected === null) {
      while (total() < jobs) {
        if (Date.now() > due + timeoutMs) {
          throw new Error(`${name} ×${n}: ${total()} of ${jobs} jobs ran within ${timeoutMs / 1000} s of T`);
        }
        await sleep(50);
      }
      const reports = await Promise.all(
        workers.map((worker) => worker.request({ op: 'report' }, 'report', 60_000)),
      );
      const seen = new Uint8Array(jobs);
      let distinct = 0;
      for (const { runs } of reports) {
        for (let r = 0; r < runs.length; r += 2) if (seen[runs[r]]++ === 0) distinct++;
      }
      if (distinct === jobs) collected = reports.map((r) => r.runs);
      else if (Date.now() > due + timeoutMs)
        throw new Error(`${name} ×${n}: ${distinct} of ${jobs} distinct jobs ran`);
      else await sleep(100);
    }
    return summarize(collected, due, addMs);
  } finally {
    await Promise.all(processes.map((child) => child.stop()));
    await cleanup();
    release();
  }
}

/** fires/s and lateness from each worker's flat (index, start) list. */
function summarize(perWorker, due, addMs) {
  const lateness = [];
  let duplicates = 0;
  const seen = new Uint8Array(jobs);
  for (const runs of perWorker) {
    for (let r = 0; r < runs.length; r += 2) {
      if (seen[runs[r]]++ > 0) duplicates++;
      lateness.push(runs[r + 1] - due);
    }
  }
  lateness.sort((a, b) => a - b);
  const lastMs = lateness[lateness.length - 1];
  return {
    firesPerSecond: jobs / (Math.max(1, lastMs) / 1000),
    lastMs,
    p50: percentile(lateness, 50),
    p99: percentile(lateness, 99),
    duplicates,
    shares: perWorker.map((runs) => runs.length / 2),
    addMs,
  };
}

function report() {
  const m = (name, n, key) => median((results.get(`${name}/${n}`) ?? []).map((r) => r[key]));
  const pg = pgboss;
  console.log(`\n${note}`);
  console.log(
    `${fmt(jobs, 0)} jobs due at one instant; fires/s = jobs ÷ (last start − due instant); medians of ${runs} runs. ` +
      `Horae and BullMQ concurrency ${concurrency}; pg-boss ${pg.workers} work() loop(s) per process, ` +
      `batchSize ${pg.batchSize}, polling every ${pg.pollingIntervalSeconds} s.\n`,
  );
  const header = procs.map((n) => `${n} process${n === 1 ? '' : 'es'}`);
  console.log(`| store | system | ${header.join(' | ')} | ${procs.at(-1)} ÷ ${procs[0]} |`);
  console.log(`|---|---|${procs.map(() => '---:|').join('')}---:|`);
  for (const name of systems) {
    const { label, store } = SYSTEMS[name];
    const cells = procs.map((n) => fmt(m(name, n, 'firesPerSecond'), 0));
    const scale = ratio(m(name, procs.at(-1), 'firesPerSecond'), m(name, procs[0], 'firesPerSecond'));
    console.log(`| ${store} | ${label} | ${cells.join(' | ')} | ${scale} |`);
  }
  const pairs = Object.entries(PEERS).filter(([h, p]) => systems.includes(h) && systems.includes(p));
  if (pairs.length > 0) {
    console.log(`\n| fires/s ratio | ${header.join(' | ')} |\n|---|${procs.map(() => '---:|').join('')}`);
    for (const [horae, peer] of pairs) {
      const cells = procs.map((n) => ratio(m(horae, n, 'firesPerSecond'), m(peer, n, 'firesPerSecond')));
      console.log(`| Horae ÷ ${SYSTEMS[peer].label} (${SYSTEMS[horae].store}) | ${cells.join(' | ')} |`);
    }
  }
  console.log(
    `\n| p50 / p99 lateness (ms) | ${header.join(' | ')} |\n|---|${procs.map(() => '---:|').join('')}`,
  );
  for (const name of systems) {
    const cells = procs.map((n) => `${fmt(m(name, n, 'p50'), 0)} / ${fmt(m(name, n, 'p99'), 0)}`);
    console.log(`| ${SYSTEMS[name].label} (${SYSTEMS[name].store}) | ${cells.join(' | ')} |`);
  }
  console.log('\nTargets:');
  for (const name of systems) {
    const rates = procs.map((n) => m(name, n, 'firesPerSecond'));
    const slower = procs.slice(1).filter((n, k) => rates[k + 1] < rates[k]);
    const dup = [...results].filter(([key]) => key.startsWith(`${name}/`)).flatMap(([, l]) => l);
    const duplicates = dup.reduce((sum, r) => sum + r.duplicates, 0);
    console.log(
      `- ${SYSTEMS[name].label} (${SYSTEMS[name].store}): more processes never slower: ` +
        `${slower.length === 0 ? 'yes' : `no (slower at ${slower.join(', ')} processes)`}; ` +
        `jobs run twice: ${duplicates}`,
    );
  }
  for (const [horae, peer] of pairs) {
    const behind = procs.filter((n) => !(m(horae, n, 'firesPerSecond') > m(peer, n, 'firesPerSecond')));
    console.log(
      `- Horae ahead of ${SYSTEMS[peer].label} at every process count: ` +
        `${behind.length === 0 ? 'yes' : `no (not at ${behind.join(', ')})`}`,
    );
  }
}
