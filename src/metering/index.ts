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
