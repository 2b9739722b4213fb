export { type BeforeCommit, beforeCommit } from './before-commit.js';
export { estimateTokens, estimateTokensOfBytes, estimateUsage, tokenCount, utf8BytesPerTokenEstimate } from './estimate-tokens.js';
export { type GroupCommitStats, GroupCommitWriter, type WriteJob } from './group-commit-writer.js';
export { type GroupCommitWriterOptions, groupCommitWriterDefaults, resolveGroupCommitWriterOptions } from './group-commit-writer-options.js';
export {
  type TokenUsage,
  toUsageRecord,
  type UsageEndpoint,
  usageEndpoints,
  type UsageOutcome,
  usageOutcomes,
  type UsageRecord,
} from './usage-record.js';
export { type AfterCommit, type SettlementStep, UsageRecorder, type UsageInput } from './usage-recorder.js';
export { type ModelUsageTotals, type UsageFilter, UsageRepository, type UsageTotals } from './usage-repository.js';
