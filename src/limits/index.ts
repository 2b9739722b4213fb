export { gcra, type GcraOutcome, type GcraRule } from './gcra.js';
export { MemoryRateLimiter } from './memory-rate-limiter.js';
export { formatResetDuration, rateLimitHeaders } from './rate-limit-headers.js';
export { type RateLimitRule, rateLimitRuleId, type RateLimitScope, rateLimitScopes } from './rate-limit-rule.js';
export { type RateDimension, type RateLimitCheck, type RateLimitDecision, type RateLimiter, type RateLimitResult } from './rate-limiter.js';
export { type RateLimitInput, RateLimits } from './rate-limits.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
