import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gcra } from './gcra.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { formatResetDuration, rateLimitHeaders } from './rate-limit-headers.js';
import type { RateLimitCheck } from './rate-limiter.js';

const perMinute = (limit: number) => ({ limit, periodMs: 60_000 });

test('GCRA allows a full burst of the limit, then one unit per interval', () => {
  let tat: number | undefined;
  const t0 = 1_000_000;
  for (let i = 0; i < 6; i++) {
    const outcome = gcra(tat, t0, perMinute(6), 1);
    assert.equal(outcome.allowed, true, `request ${i + 1}`);
    assert.equal(outcome.remaining, 5 - i);
    tat = outcome.tatMs;
  }
  const refused = gcra(tat, t0, perMinute(6), 1);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterMs, 10_000, 'one interval: 60 s / 6');
  assert.equal(refused.tatMs, tat, 'a refusal consumes nothing');
  assert.equal(gcra(tat, t0 + 9_999, perMinute(6), 1).allowed, false);
  assert.equal(gcra(tat, t0 + 10_000, perMinute(6), 1).allowed, true);
});

test('a cost larger than the whole limit is never allowed', () => {
  assert.equal(gcra(undefined, 0, perMinute(1_000), 1_001).allowed, false);
  assert.equal(gcra(undefined, 0, perMinute(1_000), 1_000).allowed, true);
});

test('the memory limiter decides all checks together: one refusal consumes nothing anywhere', async () => {
  const limiter = new MemoryRateLimiter();
  const checks = (tokens: number): RateLimitCheck[] => [
    { key: 'k:requests', dimension: 'requests', rule: perMinute(10), cost: 1 },
    { key: 'k:tokens', dimension: 'tokens', rule: perMinute(100), cost: tokens },
  ];
  assert.equal((await limiter.check(checks(60), 0)).allowed, true);
  const refused = await limiter.check(checks(60), 0);
  assert.equal(refused.allowed, false);
  assert.equal(refused.results[0]?.allowed, true, 'requests alone would pass');
  const after = await limiter.check(checks(40), 0);
  assert.equal(after.allowed, true, 'the refused request took no request and no tokens');
  assert.equal(after.results[0]?.remaining, 8);
  assert.equal(after.results[1]?.remaining, 0);
});

test('headers follow OpenAI: limit, remaining and reset per kind, retry-after in whole seconds on refusal', async () => {
  const limiter = new MemoryRateLimiter();
  const check: RateLimitCheck = { key: 'k', dimension: 'requests', rule: perMinute(2), cost: 1 };
  await limiter.check([check], 0);
  await limiter.check([check], 0);
  const headers = rateLimitHeaders(await limiter.check([check], 0));
  assert.deepEqual(headers, {
    'x-ratelimit-limit-requests': '2',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '1m0s',
    'retry-after': '30',
  });
  assert.equal(formatResetDuration(20), '20ms');
  assert.equal(formatResetDuration(6_000), '6s');
  assert.equal(formatResetDuration(90_000), '1m30s');
});
