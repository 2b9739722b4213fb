export { MemoryRateLimiter } from './memory-rate-limiter.js';
export { rateLimitHeaders } from './rate-limit-headers.js';
export { type RateLimitRule, rateLimitScopes } from './rate-limit-rule.js';
export type { RateLimitCheck, RateLimiter } from './rate-limiter.js';
export { RateLimits } from './rate-limits.js';
export { RedisRateLimiter } from './redis-rate-limiter.js';
