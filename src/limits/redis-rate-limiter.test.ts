import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { redisService, redisUrl } from '../../test/helpers/redis-service.js';
import { requireService } from '../../test/helpers/require-service.js';
import type { RateLimitCheck } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const perMinute = (limit: number) => ({ limit, periodMs: 60_000 });

test('the Redis limiter: a burst of the limit, then 429; all or nothing; shared by replicas', async (t) => {
  if (!(await requireService(t, redisService))) return;
  // A fresh prefix per run, so that runs never share state.
  const keyPrefix = `commonweal-test:${randomBytes(6).toString('hex')}:`;
  const replicaA = new RedisRateLimiter({ url: redisUrl, keyPrefix });
  const replicaB = new RedisRateLimiter({ url: redisUrl, keyPrefix });
  try {
    const requests: RateLimitCheck = { key: 'key:k1:requests', dimension: 'requests', rule: perMinute(3), cost: 1 };
    const tokens = (cost: number): RateLimitCheck => ({
      key: 'key:k1:tokens',
      dimension: 'tokens',
      rule: perMinute(100),
      cost,
    });
    assert.equal((await replicaA.check([requests, tokens(90)], Date.now())).allowed, true);
    const refused = await replicaB.check([requests, tokens(20)], Date.now());
    assert.equal(refused.allowed, false, 'the other replica sees the tokens taken');
    assert.ok(refused.results[1]!.retryAfterMs > 0);
    assert.equal((await replicaB.check([requests, tokens(10)], Date.now())).allowed, true, 'the refusal took nothing');
    const third = await replicaA.check([requests], Date.now());
    assert.equal(third.allowed, true);
    assert.equal(third.results[0]!.remaining, 0);
    assert.equal((await replicaB.check([requests], Date.now())).allowed, false);
  } finally {
    await replicaA.close();
    await replicaB.close();
  }
});
