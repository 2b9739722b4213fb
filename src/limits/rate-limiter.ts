import type { GcraRule } from './gcra.js';

export type RateDimension = 'requests' | 'tokens';

/** One limit a request must pass: a key's or a project's requests or tokens per minute. */
export interface RateLimitCheck {
  /** The limiter's key, e.g. `key:key_abc:tokens`. */
  readonly key: string;
  readonly dimension: RateDimension;
  readonly rule: GcraRule;
  readonly cost: number;
}

export interface RateLimitResult {
  readonly check: RateLimitCheck;
  readonly allowed: boolean;
  readonly remaining: number;
  readonly resetMs: number;
  readonly retryAfterMs: number;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly results: readonly RateLimitResult[];
}

/**
 * The rate limiting seam: one implementation in memory (one process), one in Redis
 * (replicas that share limits). A decision is all or nothing: when one check fails, no
 * check consumes anything, so a refused request costs the caller none of its quota.
 */
export interface RateLimiter {
  check(checks: readonly RateLimitCheck[], nowMs: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}
