// Counters and histograms of the run path kept in plain numbers, and handed to prom-client's
// registry only when it is scraped. prom-client's own `inc` and `observe` hash their label object
// on every call; a scheduler running 10,000 jobs a second would spend more on that than on the
// runs themselves. These implement what a registry reads of a metric (`name`, `help`, `type`,
// `aggregator`, `get()`, `reset()`), so they sit in the user's registry beside prom-client's own
// metrics and print the same text.

type Labels = Record<string, string>;

interface Value {
  labels: Labels;
  value: number;
  metricName?: string;
}

interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

/** One series of a counter: a count and its labels. */
export class CounterCell {
  value = 0;
  constructor(readonly labels: Labels) {}
}

/** One series of a histogram: observations per bucket (not cumulative), their sum and count. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** A counter whose series are made by `cell(labels)` and counted directly (`cell.value++`). */
export class AggregatedCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private cells: CounterCell[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** A new series; the caller keeps it (by whatever key it likes) and counts on it. */
  cell(labels: Labels): CounterCell {
    const cell = new CounterCell(labels);
    this.cells.push(cell);
    return cell;
  }

  get(): Promise<MetricData> {
    const values = this.cells.map((cell) => ({ labels: cell.labels, value: cell.value }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }

  /** Sets every series back to 0 (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const cell of this.cells) cell.value = 0;
  }
}

/** A histogram whose series are made by `cell(labels)` and observed directly. */
export class AggregatedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private cells: HistogramCell[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  cell(labels: Labels): HistogramCell {
    const cell = new HistogramCell(labels, this.bounds);
    this.cells.push(cell);
    return cell;
  }

  /** As prom-client prints a histogram: cumulative `_bucket` series with `le`, then `_sum` and `_count`. */
  get(): Promise<MetricData> {
    const { name, bounds } = this;
    const values: Value[] = [];
    for (const cell of this.cells) {
      let total = 0;
      bounds.forEach((bound, i) => {
        total += cell.counts[i] as number;
        values.push({
          labels: { ...cell.labels, le: String(bound) },
          value: total,
          metricName: `${name}_bucket`,
        });
      });
      values.push({
        labels: { ...cell.labels, le: '+Inf' },
        value: cell.count,
        metricName: `${name}_bucket`,
      });
      values.push({ labels: cell.labels, value: cell.sum, metricName: `${name}_sum` });
      values.push({ labels: cell.labels, value: cell.count, metricName: `${name}_count` });
    }
    return Promise.resolve({ name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }

  reset(): void {
    for (const cell of this.cells) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}
