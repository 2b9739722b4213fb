import type { Registry } from 'prom-client';
import { CountedHistogram, type HistogramSeries } from './counted-histogram.js';
import type { GroupCommitObserver } from '../store/index.js';

// Powers of two up to the writer's largest batch bound.
const batchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const commitBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** What the group-commit writer's transactions carry and take: its observer, given to it at start. */
export class StoreMetrics implements GroupCommitObserver {
  readonly #batchSize: HistogramSeries;
  readonly #commitDuration: HistogramSeries;

  constructor(registry: Registry) {
    this.#batchSize = new CountedHistogram({
      name: 'commonweal_store_commit_batch_size',
      help: "Write jobs (requests' records, admin changes) that shared one committed transaction.",
      buckets: batchBuckets,
      registers: [registry],
    }).series();
    this.#commitDuration = new CountedHistogram({
      name: 'commonweal_store_commit_duration_seconds',
      help: 'Seconds from BEGIN of a group-commit transaction until it was durable.',
      buckets: commitBuckets,
      registers: [registry],
    }).series();
  }

  committed(jobs: number, durationMs: number): void {
    this.#batchSize.observe(jobs);
    this.#commitDuration.observe(durationMs / 1000);
  }
}
