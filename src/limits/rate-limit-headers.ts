import type { RateDimension, RateLimitDecision, RateLimitResult } from './rate-limiter.js';

/** A duration as OpenAI writes its reset headers: `20ms`, `6s`, `1m30s`. */
export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** The tightest result of a dimension: the one with the fewest units left. */
function tightest(results: readonly RateLimitResult[], dimension: RateDimension): RateLimitResult | undefined {
  return results.filter((r) => r.check.dimension === dimension).sort((a, b) => a.remaining - b.remaining)[0];
}

/**
 * OpenAI's rate limit headers, from the tightest limit of each kind that applied:
 * `x-ratelimit-limit-requests`, `-remaining-requests`, `-reset-requests` and the same for
 * tokens; a refusal adds `retry-after` in whole seconds.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const dimension of ['requests', 'tokens'] as const) {
    const result = tightest(decision.results, dimension);
    if (result === undefined) continue;
    headers[`x-ratelimit-limit-${dimension}`] = String(result.check.rule.limit);
    headers[`x-ratelimit-remaining-${dimension}`] = String(result.remaining);
    headers[`x-ratelimit-reset-${dimension}`] = formatResetDuration(result.resetMs);
  }
  if (!decision.allowed) {
    const waitMs = Math.max(...decision.results.map((r) => r.retryAfterMs));
    headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
  }
  return headers;
}
