import { gcra } from './gcra.js';
import type { RateLimitCheck, RateLimitDecision, RateLimiter } from './rate-limiter.js';

/** Keys tracked before idle ones (whose TAT has passed, so that they hold no state) are dropped. */
const keysMax = 100_000;

/** GCRA in a Map: exact for one process, and synchronous underneath, so checks never interleave. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #tats = new Map<string, number>();

  async check(checks: readonly RateLimitCheck[], nowMs: number): Promise<RateLimitDecision> {
    return this.checkNow(checks, nowMs);
  }

  checkNow(checks: readonly RateLimitCheck[], nowMs: number): RateLimitDecision {
    const outcomes = checks.map((check) => ({
      check,
      outcome: gcra(this.#tats.get(check.key), nowMs, check.rule, check.cost),
    }));
    const allowed = outcomes.every((o) => o.outcome.allowed);
    if (allowed) {
      if (this.#tats.size >= keysMax) this.#forgetIdle(nowMs);
      for (const { check, outcome } of outcomes) this.#tats.set(check.key, outcome.tatMs);
    }
    return {
      allowed,
      results: outcomes.map(({ check, outcome }) => ({
        check,
        allowed: outcome.allowed,
        remaining: outcome.remaining,
        resetMs: outcome.resetMs,
        retryAfterMs: outcome.retryAfterMs,
      })),
    };
  }

  async close(): Promise<void> {
    this.#tats.clear();
  }

  /** A key whose TAT is past is indistinguishable from a new one, so dropping it changes no decision. */
  #forgetIdle(nowMs: number): void {
    for (const [key, tat] of this.#tats) if (tat <= nowMs) this.#tats.delete(key);
  }
}
