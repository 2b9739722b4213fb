import { estimateTokens, estimateTokensOfBytes, type TokenUsage, tokenCount } from '../metering/index.js';
import type { OpenAiUsage } from './sse-usage-filter.js';

/**
 * Token counts for a request: the model server's own when it reported them, otherwise
 * an estimate (marked as such) from the request's size and what was produced.
 */
export function usageFromAnswer(
  reported: OpenAiUsage | undefined,
  estimate: { promptBytes: number; completionTokens: number },
): TokenUsage {
  const prompt = tokenCount(reported?.prompt_tokens);
  const completion = tokenCount(reported?.completion_tokens) ?? (prompt !== undefined ? 0 : undefined);
  if (prompt !== undefined && completion !== undefined) {
    return {
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: tokenCount(reported?.total_tokens) ?? prompt + completion,
      usageEstimated: false,
    };
  }
  const promptTokens = estimateTokensOfBytes(estimate.promptBytes);
  return {
    promptTokens,
    completionTokens: estimate.completionTokens,
    totalTokens: promptTokens + estimate.completionTokens,
    usageEstimated: true,
  };
}

/** The completion text of a non-streamed chat answer, for estimating its tokens. */
export function completionTokensOf(answer: unknown): number {
  const choices = (answer as { choices?: { message?: { content?: unknown } }[] } | null)?.choices;
  if (!Array.isArray(choices)) return 0;
  return choices.reduce((sum, choice) => {
    const content = choice?.message?.content;
    return sum + (typeof content === 'string' ? estimateTokens(content) : 0);
  }, 0);
}
