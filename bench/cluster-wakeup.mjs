// Cross-process wake-up latency (issue 13): a client process adds a job due now, and a scheduler
// node in another process runs it; how long after the add (or after its due time, with --lead) the
// run starts, p50 / p99, through each event broker and with polling only. Never part of the tests.
//
//   npm run build && node bench/cluster-wakeup.mjs [--runs 3] [--samples 200] [--poll-samples 40]
//       [--cases postgres,redis,mqtt,poll] [--lead 0] [--warmup 5] [--poll-spread 5000] [--split]
//
// Cases (each its own nodes, schema or key prefix, and broker channel, dropped afterwards):
//   postgres     PostgreSQL store, PostgresEventBroker (LISTEN/NOTIFY)
//   redis        Redis store, RedisEventBroker (pub/sub)
//   mqtt         PostgreSQL store, MqttEventBroker (Mosquitto)
//   poll         PostgreSQL store, no broker: the node finds the job at its next check
//   poll-redis   Redis store, no broker
// Two processes per case (cluster-node.mjs): a client (`role: 'client'`, started, so that it
// announces its changes) and a node with the default role ('both'); --split runs the node as two,
// a 'scheduler' that claims the job and hands its run over through the store and a 'worker' that
// runs it. Every other option is the default (leaseTime 30 s, heartbeatInterval 5 s, maxSleep 30 s).
// One sample: the parent waits a random 50-250 ms (with a broker) or 50 ms to 50 ms + --poll-spread
// (polling: the default heartbeat interval, which wakes the node; a shorter wait would add each job
// just after the check that ran the last one), so that adds fall at random points of the nodes'
// poll and heartbeat cycles; then it asks the client to add a one-shot job due `--lead` ms after
// the add begins, and waits for the run. Latency = run start - max(add start, due time), both on the
// machine's wall clock (cluster-common.mjs's wallClock(), compared across processes). The first
// `--warmup` samples of each case are not counted. Polling samples take seconds each, so the poll
// cases take --poll-samples samples. A sample whose run has not started within 60 s fails the case.
// URLs: HORAE_POSTGRES_URL, HORAE_REDIS_URL, HORAE_MQTT_URL (default: the loopback servers).
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
  sleep,
  spawnChild,
} from './cluster-common.mjs';

const CASES = {
  postgres: { store: 'postgres', broker: 'postgres', label: 'PostgreSQL LISTEN/NOTIFY (PostgreSQL store)' },
  redis: { store: 'redis', broker: 'redis', label: 'Redis pub/sub (Redis store)' },
  mqtt: { store: 'postgres', broker: 'mqtt', label: 'MQTT, Mosquitto (PostgreSQL store)' },
  poll: { store: 'postgres', broker: null, label: 'polling only (PostgreSQL store)' },
  'poll-redis': { store: 'redis', broker: null, label: 'polling only (Redis store)' },
};
const TARGET_P99_MS = 50;
const SAMPLE_TIMEOUT_MS = 60_000;

const args = options();
const runs = args.number('runs', 3);
const samples = args.number('samples', 200);
const pollSamples = args.number('poll-samples', 40);
const warmup = args.number('warmup', 5);
const lead = args.number('lead', 0);
const pollSpread = args.number('poll-spread', 5000);
const split = process.argv.includes('--split');
const cases = args.list('cases', 'postgres,redis,mqtt,poll');
for (const name of cases) if (!(name in CASES)) throw new Error(`unknown case ${name}`);

const note = await machineNote();
console.error(note);
const results = new Map(cases.map((name) => [name, []]));
await runMain(async () => {
  // Round-robin, so slow drifts in machine load spread over every case alike.
  for (let run = 1; run <= runs; run++) {
    for (const name of cases) {
      const polling = CASES[name].broker === null;
      const result = await measure(name, polling ? pollSamples : samples, polling ? pollSpread : 200);
      results.get(name).push(result);
      console.error(
        `run ${run}/${runs} ${name.padEnd(10)} p50 ${fmt(result.p50, 2)} ms, p99 ${fmt(result.p99, 2)} ms, ` +
          `max ${fmt(result.max, 2)} ms (${result.samples} samples; add ${fmt(result.addP50, 2)} ms p50)`,
      );
    }
  }
  report();
});

/**
 * One run of case `name`: fresh nodes in a fresh namespace, `count` samples after the warm-up, each
 * after a random pause of 50 ms to 50 + `spread` ms.
 */
async function measure(name, count, spread) {
  const { store, broker } = CASES[name];
  const tag = newTag();
  const namespace = `horae_bench_wake_${tag}`;
  const storeConfig =
    store === 'postgres'
      ? { kind: 'postgres', url: URLS.postgres, schema: namespace }
      : { kind: 'redis', url: URLS.redis, prefix: `${namespace}:` };
  const brokerConfig = broker === null ? null : { kind: broker, url: URLS[broker], channel: namespace };
  const cleanup = () =>
    store === 'postgres'
      ? dropSchema(URLS.postgres, namespace)
      : deleteRedisKeys(URLS.redis, `${namespace}:`);
  const release = onInterrupt(cleanup);
  const node = (role, nodeId, task) =>
    spawnChild(
      'cluster-node.mjs',
      { store: storeConfig, broker: brokerConfig, role, nodeId, task },
      { label: `${name} ${nodeId}` },
    );
  // The nodes first (the first creates the tables), then the client.
  const runners = split
    ? [node('scheduler', 'scheduler', 'none'), node('worker', 'worker', 'wake')]
    : [node('both', 'node', 'wake')];
  const worker = runners[runners.length - 1];
  try {
    for (const runner of runners) await runner.next('ready', 60_000);
    const client = node('client', 'client', 'none');
    runners.push(client);
    await client.next('ready', 60_000);
    const latencies = [];
    const adds = [];
    for (let i = 0; i < warmup + count; i++) {
      await sleep(50 + Math.random() * spread);
      const ran = worker.next('run', SAMPLE_TIMEOUT_MS, (message) => message.i === i);
      const added = await client.request({ op: 'add', i, lead }, 'added', 30_000);
      const { at } = await ran;
      if (i < warmup) continue;
      latencies.push(at - Math.max(added.addStart, added.due));
      adds.push(added.addEnd - added.addStart);
    }
    latencies.sort((a, b) => a - b);
    adds.sort((a, b) => a - b);
    return {
      samples: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1],
      addP50: percentile(adds, 50),
      latencies,
    };
  } finally {
    await Promise.all(runners.map((runner) => runner.stop()));
    await cleanup();
    release();
  }
}

function report() {
  const what = lead === 0 ? 'add start' : `due time (added ${lead} ms ahead)`;
  const nodes = split ? "a 'scheduler' node and a 'worker' node" : "one node (role 'both')";
  console.log(`\n${note}`);
  const polled = cases.some((name) => CASES[name].broker === null) ? `, ${pollSamples} polling` : '';
  console.log(
    `Latency from the ${what} to the run's start in ${nodes}, client in another process; ` +
      `medians over ${runs} runs of each run's percentiles (${samples} samples per run with a broker${polled}, ` +
      `after ${warmup} warm-up samples).\n`,
  );
  console.log(
    `| broker | samples | p50 (ms) | p99 (ms) | max (ms) | addJob p50 (ms) | p99 < ${TARGET_P99_MS} ms |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const [name, list] of results) {
    const m = (key) => median(list.map((r) => r[key]));
    const p99 = m('p99');
    const target = CASES[name].broker === null ? '(no target)' : p99 < TARGET_P99_MS ? 'yes' : '**no**';
    console.log(
      `| ${CASES[name].label} | ${list.reduce((sum, r) => sum + r.samples, 0)} | ${fmt(m('p50'), 2)} | ` +
        `${fmt(p99, 2)} | ${fmt(m('max'), 2)} | ${fmt(m('addP50'), 2)} | ${target} |`,
    );
  }
  const poll = [...results].find(([name]) => CASES[name].broker === null);
  if (poll !== undefined) {
    const pollP50 = median(poll[1].map((r) => r.p50));
    console.log('\n| broker | p50 ÷ polling p50 |\n|---|---:|');
    for (const [name, list] of results) {
      if (CASES[name].broker === null) continue;
      const p50 = median(list.map((r) => r.p50));
      console.log(`| ${CASES[name].label} | ${pollP50 ? (p50 / pollP50).toFixed(4) : '–'}× |`);
    }
  }
}
