import { Histogram } from 'prom-client';

interface ExportedValue {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface HistogramExport {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly values: ExportedValue[];
  readonly aggregator: 'sum';
}

/**
 * One series of a `CountedHistogram`: its buckets' counts in a typed array. Observing
 * is a short scan of the bounds and three additions; prom-client's own series hash
 * their labels and key their buckets by the bound's text on every observation, which
 * measured ten times the cost (bench/results/metrics.md).
 */
export class HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly #bounds: readonly number[];
  /** Per bucket, not cumulative; the last is the one above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(labels: Readonly<Record<string, string>>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index += 1;
    this.counts[index] = this.counts[index]! + 1;
    this.sum += value;
    this.count += 1;
  }
}

export interface CountedHistogramOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  readonly buckets: readonly number[];
  readonly registers: NonNullable<ConstructorParameters<typeof Histogram>[0]['registers']>;
}

/**
 * A prom-client histogram whose series count into `HistogramSeries`: prom-client names,
 * registers and writes it like any other, and the hot path observes into a series it
 * took once with `series`.
 */
export class CountedHistogram extends Histogram<string> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #labelNames: readonly string[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(options: CountedHistogramOptions) {
    super({ ...options, labelNames: [...(options.labelNames ?? [])], buckets: [...options.buckets] });
    this.#name = options.name;
    this.#help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    this.#labelNames = options.labelNames ?? [];
  }

  /** The series of these label values, in the order of the label names; the same one every time. */
  series(...values: string[]): HistogramSeries {
    if (values.length !== this.#labelNames.length)
      throw new Error(`${this.#labelNames.length} label values expected, ${values.length} given`);
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new HistogramSeries(
        Object.fromEntries(this.#labelNames.map((name, i) => [name, values[i]!])),
        this.#bounds,
      );
      this.#series.set(key, series);
    }
    return series;
  }

  /**
   * What prom-client's registry and its own `get` read (an untyped method of its
   * histogram): each value's `labels` hold `le` alone and `sharedLabels` the series'.
   */
  async getForPromString(): Promise<HistogramExport> {
    const values: ExportedValue[] = [];
    for (const series of this.#series.values()) {
      // A labelled series taken but never observed stays out, as prom-client leaves it out.
      if (series.count === 0 && this.#labelNames.length > 0) continue;
      const shared = series.labels;
      let cumulative = 0;
      for (const [index, bound] of this.#bounds.entries()) {
        cumulative += series.counts[index]!;
        values.push({
          metricName: `${this.#name}_bucket`,
          labels: { le: bound },
          sharedLabels: shared,
          value: cumulative,
        });
      }
      values.push({
        metricName: `${this.#name}_bucket`,
        labels: { le: '+Inf' },
        sharedLabels: shared,
        value: series.count,
      });
      values.push({ metricName: `${this.#name}_sum`, labels: {}, sharedLabels: shared, value: series.sum });
      values.push({ metricName: `${this.#name}_count`, labels: {}, sharedLabels: shared, value: series.count });
    }
    return { name: this.#name, help: this.#help, type: 'histogram', values, aggregator: 'sum' };
  }
}
