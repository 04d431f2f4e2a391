import type { Counter, Histogram, Metric, Registry } from 'prom-client';
import {
  AggregatedCounter,
  AggregatedHistogram,
  type CounterCell,
  type HistogramCell,
} from './aggregates.js';
import { promClient } from './prom-client.js';
import { InvalidArgumentError } from '../errors.js';
import {
  EVENT_JOBSTORE_ERROR,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_RETRY,
  type SchedulerEventUnion,
} from '../events/events.js';
import { instrumentsOf } from '../scheduler/instruments.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { describeValue } from '../describe-value.js';
import {
  metricsMiddleware,
  metricsRequestHandler,
  type MetricsMiddleware,
  type MetricsRequestHandler,
} from './metrics-handler.js';

/** Options of `instrumentScheduler`. Every one is optional. */
export interface MetricsOptions {
  /**
   * The prom-client registry the metrics are registered in. Default: a new `Registry` of their own;
   * pass prom-client's global `register` to serve them beside `collectDefaultMetrics()`.
   */
  registry?: Registry;
  /** Put before every metric name. Default `'horae_'`. */
  prefix?: string;
  /**
   * Adds a `job` label (the job id) to the run metrics. Default false: a series per job is one per
   * job id for the life of the process, which a scheduler of many jobs cannot afford.
   */
  perJob?: boolean;
  /**
   * Counts the jobs of every store by state at each scrape (`jobs`). Default true. It reads every job
   * (`getJobs()`); turn it off for a store of very many jobs scraped often.
   */
  countJobs?: boolean;
  /** The path `middleware` answers. Default `'/metrics'`. */
  path?: string;
  /** Histogram buckets, in seconds (`duration`, `lateness`) or jobs (`claimBatch`). */
  buckets?: { duration?: number[]; lateness?: number[]; claimBatch?: number[] };
}

/** What `instrumentScheduler` returns: the metrics, their text, and how to stop collecting them. */
export interface SchedulerMetrics {
  readonly registry: Registry;
  /** The Content-Type of `metrics()`' text (Prometheus' text format). */
  readonly contentType: string;
  /** Every metric of `registry` in Prometheus' text format (the scrape's body). */
  metrics(): Promise<string>;
  /**
   * A node:http request handler serving `metrics()` to every GET or HEAD (mount it on the path you
   * scrape): `http.createServer(metrics.handler)`, or Express' `app.get('/metrics', metrics.handler)`.
   */
  readonly handler: MetricsRequestHandler;
  /**
   * A middleware answering a GET or HEAD of `path` (default `/metrics`) and passing every other
   * request on: Express' `app.use(metrics.middleware)`, Hono's `app.use(metrics.middleware)`.
   */
  readonly middleware: MetricsMiddleware;
  /** Stops collecting: removes the listeners from the scheduler and these metrics from the registry. */
  close(): void;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const LATENESS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300];
const CLAIM_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];
const OPTION_KEYS = new Set(['registry', 'prefix', 'perJob', 'countJobs', 'path', 'buckets']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Events the metrics count; run outcomes come straight from the reporter (`onOutcome`). */
const EVENTS = EVENT_JOB_MAX_INSTANCES | EVENT_JOB_RETRY | EVENT_JOBSTORE_ERROR;

type Outcome = 'success' | 'error' | 'timeout' | 'missed' | 'interrupted' | 'max_instances';

/** The cells of one outcome in one series: its count and its durations. */
interface OutcomeCells {
  runs: CounterCell;
  duration: HistogramCell;
}

/**
 * The run metrics of one store, or of one job of it (`perJob`): cells made on first use, so a run
 * counts with a map lookup or two and no label object.
 */
class Series {
  readonly lateness: HistogramCell;
  readonly retries: CounterCell;
  private readonly outcomes = new Map<Outcome, OutcomeCells>();
  private readonly labels: Record<string, string>;

  constructor(
    store: string,
    jobId: string | null,
    private readonly runs: AggregatedCounter,
    private readonly duration: AggregatedHistogram,
    lateness: AggregatedHistogram,
    retries: AggregatedCounter,
  ) {
    this.labels = jobId === null ? { store } : { store, job: jobId };
    this.lateness = lateness.cell(this.labels);
    this.retries = retries.cell(this.labels);
  }

  outcome(outcome: Outcome): OutcomeCells {
    let cells = this.outcomes.get(outcome);
    if (cells === undefined) {
      const labels = { ...this.labels, outcome };
      cells = { runs: this.runs.cell(labels), duration: this.duration.cell(labels) };
      this.outcomes.set(outcome, cells);
    }
    return cells;
  }
}

/**
 * Collects Prometheus metrics of a scheduler with prom-client (an optional peer dependency that
 * only `horae/metrics` imports): runs by outcome, run duration, lateness, retries, claim batch
 * size and store errors as they happen; jobs by state and running and queued runs at each scrape.
 * A scheduler not instrumented pays nothing. Throws `InvalidArgumentError` for a bad option, or
 * when the registry already has metrics of these names (give another `prefix`).
 *
 * @example
 * const metrics = instrumentScheduler(scheduler);
 * http.createServer(metrics.handler).listen(9464);
 */
export function instrumentScheduler(scheduler: Scheduler, options: MetricsOptions = {}): SchedulerMetrics {
  const instruments = instrumentsOf(scheduler);
  if (instruments === undefined) {
    throw new InvalidArgumentError(
      `Invalid scheduler ${describeValue(scheduler)}: expected a Horae Scheduler`,
      {
        field: 'scheduler',
        value: scheduler,
      },
    );
  }
  const prom = promClient();
  const settings = readOptions(options, prom);
  const { registry, prefix, perJob } = settings;
  /** The names registered so far: removed again by `close()`, or when a later one fails. */
  const made: string[] = [];
  const add = <M>(suffix: string, make: (name: string) => M): M => {
    const metric = make(prefix + suffix);
    made.push(prefix + suffix);
    return metric;
  };
  const registers = [registry];
  // The run metrics are counted in plain numbers on the run path and read by the registry at scrape
  // time (see aggregates.ts); the rare ones (claims, store errors) are prom-client's own.
  const aggregated = <M extends AggregatedCounter | AggregatedHistogram>(metric: M): M => {
    registry.registerMetric(metric as unknown as Metric);
    return metric;
  };
  let runs: AggregatedCounter, duration: AggregatedHistogram, lateness: AggregatedHistogram;
  let retries: AggregatedCounter;
  let storeErrors: Counter, claims: Histogram;
  try {
    runs = add('runs_total', (name) =>
      aggregated(
        new AggregatedCounter(
          name,
          'Runs that ended, by outcome (success, error, timeout, missed), and runs refused for max_instances',
        ),
      ),
    );
    duration = add('run_duration_seconds', (name) =>
      aggregated(
        new AggregatedHistogram(
          name,
          "Runs from their first attempt's start to their last attempt's end, by outcome",
          settings.buckets.duration,
        ),
      ),
    );
    lateness = add('run_lateness_seconds', (name) =>
      aggregated(
        new AggregatedHistogram(
          name,
          'How long after its scheduled time each run started',
          settings.buckets.lateness,
        ),
      ),
    );
    retries = add('run_retries_total', (name) =>
      aggregated(new AggregatedCounter(name, 'Failed attempts that were tried again')),
    );
    storeErrors = add(
      'store_errors_total',
      (name) =>
        new prom.Counter({
          name,
          help: 'Failed calls of the run loop to a job store',
          labelNames: ['store'],
          registers,
        }),
    );
    claims = add(
      'claim_batch_size',
      (name) =>
        new prom.Histogram({
          name,
          help: 'Due jobs each claim of a job store returned (claims that returned none are not counted)',
          labelNames: ['store'],
          buckets: settings.buckets.claimBatch,
          registers,
        }),
    );
    add(
      'runs_running',
      (name) =>
        new prom.Gauge({
          name,
          help: 'Runs with an attempt in progress, by executor',
          labelNames: ['executor'],
          registers,
          collect() {
            this.reset();
            for (const [alias, queue] of instruments.queues)
              this.set({ executor: alias }, queue.load().running);
          },
        }),
    );
    add(
      'runs_queued',
      (name) =>
        new prom.Gauge({
          name,
          help: "Runs waiting for a free slot of their executor, or out a retry's backoff",
          labelNames: ['executor'],
          registers,
          collect() {
            this.reset();
            for (const [alias, queue] of instruments.queues)
              this.set({ executor: alias }, queue.load().queued);
          },
        }),
    );
    if (settings.countJobs) {
      add(
        'jobs',
        (name) =>
          new prom.Gauge({
            name,
            help: 'Jobs by store and state (scheduled, paused, or pending: added before the scheduler started)',
            labelNames: ['store', 'state'],
            registers,
            async collect() {
              this.reset();
              let jobs;
              try {
                jobs = await scheduler.getJobs();
              } catch {
                // A store that cannot list its jobs leaves this gauge empty, not the whole scrape
                // failed: its errors are what the other metrics (store_errors_total) must show.
                return;
              }
              const counts = new Map<string, { store: string; state: string; count: number }>();
              for (const { jobStore, pending, nextRunTime } of jobs) {
                const state = pending ? 'pending' : nextRunTime === null ? 'paused' : 'scheduled';
                const key = `${jobStore}\u0000${state}`;
                const entry = counts.get(key) ?? { store: jobStore, state, count: 0 };
                entry.count++;
                counts.set(key, entry);
              }
              for (const { store, state, count } of counts.values()) this.set({ store, state }, count);
            },
          }),
      );
    }
  } catch (cause) {
    for (const name of made) registry.removeSingleMetric(name);
    throw new InvalidArgumentError(
      `Cannot register Horae's metrics with prefix "${prefix}": ${(cause as Error).message}; ` +
        'give another prefix or registry',
      { field: 'prefix', value: prefix, cause },
    );
  }

  // The series of one store (and, with perJob, one job), made on its first run and kept.
  // With perJob, a store's series are by job only: no series of the store as a whole.
  const series = new Map<string, Map<string | null, Series>>();
  const seriesOf = (store: string, jobId: string): Series => {
    let ofStore = series.get(store);
    if (ofStore === undefined) {
      ofStore = new Map();
      series.set(store, ofStore);
    }
    const key = perJob ? jobId : null;
    let found = ofStore.get(key);
    if (found === undefined) {
      found = new Series(store, key, runs, duration, lateness, retries);
      ofStore.set(key, found);
    }
    return found;
  };
  const removeOutcomeListener = instruments.onOutcome((outcome) => {
    const of = seriesOf(outcome.jobStore, outcome.job.id);
    const cells = of.outcome(outcome.status);
    cells.runs.value++;
    const { startedMs, finishedMs } = outcome;
    // A missed run, or one whose executor is missing, never started: counted, but not timed.
    if (Number.isNaN(startedMs)) return;
    cells.duration.observe(Math.max(0, finishedMs - startedMs) / 1000);
    of.lateness.observe(Math.max(0, startedMs - outcome.scheduledRunTime.getTime()) / 1000);
  });
  const listener = (event: SchedulerEventUnion): void => {
    switch (event.code) {
      case EVENT_JOB_MAX_INSTANCES:
        seriesOf(event.jobStore, event.jobId).outcome('max_instances').runs.value++;
        break;
      case EVENT_JOB_RETRY:
        seriesOf(event.jobStore, event.jobId).retries.value++;
        break;
      case EVENT_JOBSTORE_ERROR:
        storeErrors.inc({ store: event.alias });
        break;
    }
  };
  scheduler.addListener(listener, EVENTS);
  const removeClaimListener = instruments.onClaim((store, count) => claims.observe({ store }, count));

  let closed = false;
  const source = { contentType: registry.contentType, metrics: () => registry.metrics() };
  return {
    registry,
    contentType: source.contentType,
    metrics: source.metrics,
    handler: metricsRequestHandler(source),
    middleware: metricsMiddleware(source, settings.path),
    close() {
      if (closed) return;
      closed = true;
      scheduler.removeListener(listener);
      removeOutcomeListener();
      removeClaimListener();
      for (const name of made) registry.removeSingleMetric(name);
    },
  };
}

interface MetricsSettings {
  registry: Registry;
  prefix: string;
  perJob: boolean;
  countJobs: boolean;
  path: string;
  buckets: { duration: number[]; lateness: number[]; claimBatch: number[] };
}

function readOptions(options: MetricsOptions, prom: ReturnType<typeof promClient>): MetricsSettings {
  if (options === null || typeof options !== 'object') {
    throw invalid('options', options, 'an object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new InvalidArgumentError(
        `Unknown metrics option "${key}"; the options are: ${[...OPTION_KEYS].join(', ')}`,
        { field: key, value: (options as Record<string, unknown>)[key] },
      );
    }
  }
  const { registry = new prom.Registry(), prefix = 'horae_', perJob = false, countJobs = true } = options;
  const { path = '/metrics' } = options;
  if (!(registry instanceof prom.Registry)) throw invalid('registry', registry, 'a prom-client Registry');
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    throw invalid('prefix', prefix, 'letters, digits, underscores and colons, not starting with a digit');
  }
  if (typeof perJob !== 'boolean') throw invalid('perJob', perJob, 'true or false');
  if (typeof countJobs !== 'boolean') throw invalid('countJobs', countJobs, 'true or false');
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw invalid('path', path, "a path such as '/metrics'");
  const buckets = options.buckets ?? {};
  return {
    registry,
    prefix,
    perJob,
    countJobs,
    path,
    buckets: {
      duration: readBuckets('buckets.duration', buckets.duration, DURATION_BUCKETS),
      lateness: readBuckets('buckets.lateness', buckets.lateness, LATENESS_BUCKETS),
      claimBatch: readBuckets('buckets.claimBatch', buckets.claimBatch, CLAIM_BUCKETS),
    },
  };
}

function readBuckets(field: string, value: unknown, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (bound, i) => typeof bound === 'number' && Number.isFinite(bound) && (i === 0 || bound > value[i - 1]),
    );
  if (!ok) throw invalid(field, value, 'a non-empty array of finite numbers in increasing order');
  return value as number[];
}

function invalid(field: string, value: unknown, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `Invalid metrics option ${field} ${describeValue(value)}: expected ${expected}`,
    {
      field,
      value,
    },
  );
}
