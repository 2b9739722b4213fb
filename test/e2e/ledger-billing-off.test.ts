import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import {
  assertLedgerVerifies,
  balanceOf,
  billedOrganization,
  fakeAnswerCostMicro,
  operatorCall,
} from '../helpers/billing-setup.js';
import { usageRecordOf } from '../helpers/gateway-calls.js';
import { startGatewayFixture } from '../helpers/gateway-fixture.js';

test('billing off: an organization without a credits account runs unmetered; one with an account is still charged', async () => {
  const fixture = await startGatewayFixture({ config: { billing: 'off' } });
  try {
    const url = fixture.platform.url;
    const ask = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'Hello' }] };
    const free = await billedOrganization(url, 'free', undefined);
    const freeClient = new OpenAI({ apiKey: free.secret, baseURL: `${url}/v1`, maxRetries: 0 });
    const { response } = await freeClient.chat.completions.create(ask).withResponse();
    assert.ok(await usageRecordOf(url, response.headers.get('x-request-id')!), 'metered, though not charged');
    assert.deepEqual((await operatorCall(url, 'GET', '/orgs/free/statement')).lines, []);

    const paying = await billedOrganization(url, 'paying', 1_000_000);
    await new OpenAI({ apiKey: paying.secret, baseURL: `${url}/v1`, maxRetries: 0 }).chat.completions.create(ask);
    assert.equal((await balanceOf(url, 'paying')).balanceMicro, 1_000_000 - fakeAnswerCostMicro);
    await assertLedgerVerifies(url);
  } finally {
    await fixture.dispose();
  }
});
