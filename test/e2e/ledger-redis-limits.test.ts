import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { billedOrganization, operatorCall } from '../helpers/billing-setup.js';
import { expectApiError } from '../helpers/gateway-calls.js';
import { startGatewayFixture } from '../helpers/gateway-fixture.js';
import { redisService, redisUrl } from '../helpers/redis-service.js';
import { requireService } from '../helpers/require-service.js';

test('with limits.redisUrl the gateway keeps its rate limits in Redis', async (t) => {
  if (!(await requireService(t, redisService))) return;
  const fixture = await startGatewayFixture({ config: { limits: { redisUrl } } });
  try {
    const url = fixture.platform.url;
    // A key id is random, so this run's limiter keys are its own.
    const orgId = `redis-${randomBytes(4).toString('hex')}`;
    const { secret, keyId } = await billedOrganization(url, orgId, 1_000_000);
    await operatorCall(url, 'POST', `/orgs/${orgId}/rate-limits`, {
      scope: 'key',
      scopeId: keyId,
      requestsPerMinute: 1,
      tokensPerMinute: null,
    });
    const client = new OpenAI({ apiKey: secret, baseURL: `${url}/v1`, maxRetries: 0 });
    const ask = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 5 };
    const first = await client.chat.completions.create(ask).withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '0');
    const refused = await expectApiError(client.chat.completions.create(ask), APIError, 429, 'rate_limit_exceeded');
    assert.ok(Number((refused.headers as Headers | undefined)?.get('retry-after')) >= 1);
  } finally {
    await fixture.dispose();
  }
});
