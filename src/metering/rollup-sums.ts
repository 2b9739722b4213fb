import { rollupHistogramColumns } from '../store/index.js';
import { latencyBucketCount, latencyBucketOf } from './latency-histogram.js';
import { rollupDimensions } from './usage-rollup-dimensions.js';

/** The SQL names of a rollup's key, in the order of its primary key: granularity, bucket, then each dimension. */
export const rollupKeyColumns = Object.freeze(['granularity', 'bucket_start', ...Object.values(rollupDimensions)]);

/** The SQL names of a rollup's sums, in the order of `RollupSums`. */
export const rollupSumColumns: readonly string[] = Object.freeze([
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'credits_priced_micro',
  'credits_charged_micro',
  'credits_written_off_micro',
  'latency_ms_sum',
  'first_byte_ms_sum',
  'first_byte_count',
  'errors',
  ...rollupHistogramColumns('latency'),
  ...rollupHistogramColumns('first_byte'),
]);

/** Where each sum sits in a `RollupSums`. */
export const sumIndex = Object.freeze({
  requests: 0,
  promptTokens: 1,
  completionTokens: 2,
  creditsPricedMicro: 3,
  creditsChargedMicro: 4,
  creditsWrittenOffMicro: 5,
  latencyMsSum: 6,
  firstByteMsSum: 7,
  firstByteCount: 8,
  errors: 9,
  latencyHistogram: 10,
  firstByteHistogram: 10 + latencyBucketCount,
});

/** A rollup's sums as one array, in the order of `rollupSumColumns`, so that adding two is one loop. */
export type RollupSums = number[];

export function emptySums(): RollupSums {
  return new Array<number>(rollupSumColumns.length).fill(0);
}

/** What one record adds to a rollup. Its fields as usage records store them; null credits count nothing. */
export interface RollupContribution {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly creditsPricedMicro: number | null;
  readonly creditsChargedMicro: number | null;
  readonly creditsWrittenOffMicro: number | null;
  readonly totalMs: number;
  readonly firstByteMs: number | null;
  readonly outcome: string;
}

export function addRecord(sums: RollupSums, record: RollupContribution): void {
  sums[sumIndex.requests]! += 1;
  sums[sumIndex.promptTokens]! += record.promptTokens;
  sums[sumIndex.completionTokens]! += record.completionTokens;
  sums[sumIndex.creditsPricedMicro]! += record.creditsPricedMicro ?? 0;
  sums[sumIndex.creditsChargedMicro]! += record.creditsChargedMicro ?? 0;
  sums[sumIndex.creditsWrittenOffMicro]! += record.creditsWrittenOffMicro ?? 0;
  sums[sumIndex.latencyMsSum]! += record.totalMs;
  if (record.outcome !== 'success') sums[sumIndex.errors]! += 1;
  sums[sumIndex.latencyHistogram + latencyBucketOf(record.totalMs)]! += 1;
  if (record.firstByteMs !== null) {
    sums[sumIndex.firstByteMsSum]! += record.firstByteMs;
    sums[sumIndex.firstByteCount]! += 1;
    sums[sumIndex.firstByteHistogram + latencyBucketOf(record.firstByteMs)]! += 1;
  }
}
