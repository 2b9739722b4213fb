export { batchBeforeCommit, beforeCommit } from './before-commit.js';
export { estimateTokens, estimateTokensOfBytes, tokenCount } from './estimate-tokens.js';
export { GroupCommitWriter } from './group-commit-writer.js';
export { type RequestCredits, type TokenUsage, type UsageEndpoint, type UsageOutcome, type UsageRecord, unmetered } from './usage-record.js';
export { type AfterCommit, type ReceiptWriter, type SettlementStep, UsageRecorder, type UsageInput } from './usage-recorder.js';
export { type UsageFilter, UsageRepository } from './usage-repository.js';
