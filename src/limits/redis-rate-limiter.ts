import { Redis } from 'ioredis';
import { CommonwealError } from '../errors/index.js';
import { gcra } from './gcra.js';
import type { RateLimitCheck, RateLimitDecision, RateLimiter } from './rate-limiter.js';

/**
 * GCRA for every key of a request in one script, so that replicas sharing a Redis decide
 * atomically and all or nothing. Time is Redis's own (`TIME`), so replicas whose clocks
 * disagree still share one timeline. ARGV holds limit, period and cost per key; the
 * script answers Redis's time and each key's TAT before the decision, and whether all
 * were allowed; TATs travel as strings because Redis turns Lua numbers into integers.
 */
const gcraScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tats = {}
local nexts = {}
local allowed = 1
for i = 1, #KEYS do
  local limit = tonumber(ARGV[(i - 1) * 3 + 1])
  local period = tonumber(ARGV[(i - 1) * 3 + 2])
  local cost = tonumber(ARGV[(i - 1) * 3 + 3])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  tats[i] = string.format('%.3f', tat)
  if tat < now then tat = now end
  nexts[i] = tat + cost * period / limit
  if nexts[i] - now > period then allowed = 0 end
end
if allowed == 1 then
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], string.format('%.3f', nexts[i]), 'PX', math.ceil(nexts[i] - now) + 1)
  end
end
return { string.format('%.3f', now), allowed, tats }
`;

export interface RedisRateLimiterOptions {
  readonly url: string;
  /** Prepended to every key, so that several platforms can share one Redis. */
  readonly keyPrefix?: string;
  /** A decision waits this long for Redis before the request fails. */
  readonly commandTimeoutMs?: number;
}

type ScriptAnswer = [string, number, string[]];

/** The limiter for several replicas: GCRA state in Redis, keys that expire once idle. */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: RedisRateLimiterOptions) {
    this.#redis = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      lazyConnect: true,
    });
    this.#prefix = options.keyPrefix ?? 'commonweal:ratelimit:';
  }

  async check(checks: readonly RateLimitCheck[], _nowMs: number): Promise<RateLimitDecision> {
    const keys = checks.map((c) => `${this.#prefix}${c.key}`);
    const args = checks.flatMap((c) => [c.rule.limit, c.rule.periodMs, c.cost]);
    let answer: ScriptAnswer;
    try {
      answer = (await this.#redis.eval(gcraScript, keys.length, ...keys, ...args)) as ScriptAnswer;
    } catch (error) {
      // Without its limiter a request must not run unlimited; the client may retry.
      throw new CommonwealError('not_ready', 'rate limits cannot be checked right now; retry shortly', {
        cause: error,
        headers: { 'retry-after': '1' },
      });
    }
    const [now, allowed, tats] = answer;
    const nowMs = Number(now);
    // The script decided; the numbers reported with the decision follow from the same TATs.
    const results = checks.map((check, i) => {
      const outcome = gcra(Number(tats[i]), nowMs, check.rule, check.cost);
      return {
        check,
        allowed: outcome.allowed,
        remaining: outcome.remaining,
        resetMs: outcome.resetMs,
        retryAfterMs: outcome.retryAfterMs,
      };
    });
    return { allowed: allowed === 1, results };
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
