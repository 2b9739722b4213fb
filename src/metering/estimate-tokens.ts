import type { TokenUsage } from './usage-record.js';

/**
 * BPE tokenizers of current open-weight models average about four UTF-8 bytes per token:
 * roughly four characters of English, or one and a third CJK characters (three bytes
 * each). The estimate errs low for code, numbers and rare scripts; it exists so that a
 * model server that reports no usage is still metered, never to replace its count.
 */
export const utf8BytesPerTokenEstimate = 4;

/** A cheap token count for `sizeBytes` of UTF-8 text, without a tokenizer: ceil(bytes / 4). */
export function estimateTokensOfBytes(sizeBytes: number): number {
  return Math.ceil(sizeBytes / utf8BytesPerTokenEstimate);
}

export function estimateTokens(text: string): number {
  return estimateTokensOfBytes(Buffer.byteLength(text, 'utf8'));
}

/** A token count a client or model server sent: a non-negative safe integer, or undefined. */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Usage for a request whose model server reported none, flagged as estimated. */
export function estimateUsage(promptText: string, completionText: string): TokenUsage {
  const promptTokens = estimateTokens(promptText);
  const completionTokens = estimateTokens(completionText);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, usageEstimated: true };
}
