export { estimateTokens, estimateTokensOfBytes, tokenCount } from './estimate-tokens.js';
export { newUsageRecord, type UsageInput } from './new-usage-record.js';
export {
  type TokenUsage,
  type UsageEndpoint,
  type UsageOutcome,
  type UsageRecord,
  unmetered,
  usageEndpoints,
  usageOutcomes,
} from './usage-record.js';
export { type ReceiptedUsage, UsageReader } from './usage-reader.js';
export { type ReceiptRef, type UsageFilter, UsageRepository } from './usage-repository.js';
export { DenialCounter, type DenialCounterOptions } from './denial-counter.js';
export { latencyBucketBoundsMs, latencyBucketCount, latencyBucketOf, latencyQuantileMs } from './latency-histogram.js';
export { addRecord, emptySums, type RollupSums, rollupSumColumns, sumIndex } from './rollup-sums.js';
export { UsageRollupFollower, type UsageRollupFollowerOptions } from './usage-rollup-follower.js';
export {
  addGroup,
  emptyGroup,
  type GroupOptions,
  type RollupFigures,
  type RollupFilter,
  type RollupGranularity,
  type RollupGroup,
  type RollupRange,
  toFigures,
  UsageRollupReader,
} from './usage-rollup-reader.js';
export { type RollupDimension, rollupDimensions } from './usage-rollup-dimensions.js';
export { rollupLevels } from './rollup-levels.js';
