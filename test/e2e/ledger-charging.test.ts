import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import {
  assertLedgerVerifies,
  balanceOf,
  billedOrganization,
  fakeAnswerCostMicro,
  operatorCall,
  settledBalanceOf,
} from '../helpers/billing-setup.js';
import { expectApiError, usageRecordOf, waitForUsageRecord } from '../helpers/gateway-calls.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';

let fixture: GatewayFixture;
let url: string;

before(async () => {
  fixture = await startGatewayFixture();
  url = fixture.platform.url;
});
after(async () => fixture.dispose());

function clientFor(secret: string): OpenAI {
  return new OpenAI({ apiKey: secret, baseURL: `${url}/v1`, maxRetries: 0, timeout: 20_000 });
}

const ask = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'Hello' }], max_tokens: 50 };

test('a request is charged its metered tokens at the model prices, with its charge in the statement and the ledger verified', async () => {
  const { secret } = await billedOrganization(url, 'charged', 10_000);
  const { response } = await clientFor(secret).chat.completions.create(ask).withResponse();
  const requestId = response.headers.get('x-request-id')!;
  const record = await usageRecordOf(url, requestId);
  assert.ok(record, 'the answer was metered before its last byte');
  assert.deepEqual(await balanceOf(url, 'charged'), {
    balanceMicro: 10_000 - fakeAnswerCostMicro,
    availableMicro: 10_000 - fakeAnswerCostMicro,
  });
  const statement = await operatorCall(url, 'GET', '/orgs/charged/statement');
  assert.deepEqual(
    statement.lines.map((l: any) => [l.code, l.amountMicro, l.balanceMicro, l.usageRecordId]),
    [
      ['deposit', 10_000, 10_000, null],
      ['charge', -fakeAnswerCostMicro, 10_000 - fakeAnswerCostMicro, requestId],
    ],
  );
  await assertLedgerVerifies(url);
});

test('402 insufficient_credits without a credits account, or when the maximum cost is not covered; the model is never called', async () => {
  const before = fixture.upstreams[0]!.chatRequests().length;
  const none = await billedOrganization(url, 'unfunded', undefined);
  await expectApiError(clientFor(none.secret).chat.completions.create(ask), APIError, 402, 'insufficient_credits');
  // The hold of this request is its body's bytes plus the template's overhead plus 50 completion tokens at 2: more than 100.
  const poor = await billedOrganization(url, 'poor', 100);
  await expectApiError(clientFor(poor.secret).chat.completions.create(ask), APIError, 402, 'insufficient_credits');
  assert.equal(fixture.upstreams[0]!.chatRequests().length, before, 'no refused request reached the model');
  assert.deepEqual(await balanceOf(url, 'poor'), { balanceMicro: 100, availableMicro: 100 });
});

test('a client that aborts mid-stream is charged for what was produced and its hold is released', async () => {
  const { secret } = await billedOrganization(url, 'aborter', 1_000_000);
  const upstream = fixture.upstreams[0]!;
  upstream.fault = { kind: 'stall_mid_stream', chunksBefore: 2 };
  try {
    const controller = new AbortController();
    const answer = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask, stream: true }),
      signal: controller.signal,
    });
    const requestId = answer.headers['x-request-id'] as string;
    for await (const _chunk of answer.body) break;
    controller.abort();
    const record = await waitForUsageRecord(url, requestId);
    assert.equal(record.outcome, 'client_aborted');
    const statement = await operatorCall(url, 'GET', '/orgs/aborter/statement');
    const charge = statement.lines.find((l: any) => l.usageRecordId === requestId);
    assert.ok(charge, 'the aborted request has its charge');
    const expected = record.promptTokens * 1 + record.completionTokens * 2;
    assert.equal(-charge.amountMicro, expected);
    assert.deepEqual(
      [record.creditsPricedMicro, record.creditsChargedMicro, record.creditsWrittenOffMicro],
      [expected, expected, 0],
    );
    const settled = { balanceMicro: 1_000_000 - expected, availableMicro: 1_000_000 - expected };
    assert.deepEqual(await settledBalanceOf(url, 'aborter', settled), settled);
  } finally {
    upstream.fault = null;
    upstream.release();
  }
  await assertLedgerVerifies(url);
});

test('an upstream failure charges nothing for an answer never produced, and releases the hold', async () => {
  const { secret } = await billedOrganization(url, 'failed', 1_000_000);
  const upstream = fixture.upstreams[0]!;
  upstream.fault = {
    kind: 'status',
    statusCode: 400,
    body: JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } }),
  };
  try {
    await expectApiError(clientFor(secret).chat.completions.create(ask), APIError, 400, null);
  } finally {
    upstream.fault = null;
  }
  assert.deepEqual(await balanceOf(url, 'failed'), { balanceMicro: 1_000_000, availableMicro: 1_000_000 });
  const statement = await operatorCall(url, 'GET', '/orgs/failed/statement');
  assert.deepEqual(
    statement.lines.map((l: any) => [l.code, l.amountMicro]),
    [
      ['deposit', 1_000_000],
      ['charge', 0],
    ],
    'a metered request has its transfer, of nothing',
  );
});

test("/v1/billing/statement shows a key its own organization's statement, as JSON and CSV, and nothing of anyone else's", async () => {
  const { secret } = await billedOrganization(url, 'reader', 5_000);
  await clientFor(secret).chat.completions.create(ask);
  const read = async (query: string) => {
    const answer = await request(`${url}/v1/billing/statement${query}`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    return { status: answer.statusCode, type: answer.headers['content-type'], text: await answer.body.text() };
  };
  const json = await read('');
  assert.equal(json.status, 200);
  const statement = JSON.parse(json.text);
  assert.equal(statement.organizationId, 'reader');
  assert.deepEqual(statement, await operatorCall(url, 'GET', '/orgs/reader/statement'));
  assert.ok(!json.text.includes('acme') && !json.text.includes('charged'));
  const csv = await read('?format=csv');
  assert.match(String(csv.type), /^text\/csv/);
  const lines = csv.text.trim().split('\r\n');
  assert.equal(
    lines[0],
    'created_at,transfer_id,code,account_id,counterparty_account_id,amount_micro,balance_micro,usage_record_id,project_id,api_key_id,model_id,program_id,memo',
  );
  assert.equal(lines.length, 3);
  assert.equal((await read('?organizationId=acme')).status, 400, 'no parameter names another organization');
  const future = JSON.parse((await read('?since=2999-01-01')).text);
  assert.deepEqual([future.lines, future.openingBalanceMicro], [[], 5_000 - fakeAnswerCostMicro]);
});

test('rate limits per key answer 429 with Retry-After and x-ratelimit headers like OpenAI', async () => {
  const { secret, keyId } = await billedOrganization(url, 'limited', 1_000_000);
  await operatorCall(url, 'POST', '/orgs/limited/rate-limits', {
    scope: 'key',
    scopeId: keyId,
    requestsPerMinute: 2,
    tokensPerMinute: null,
  });
  const client = clientFor(secret);
  const first = await client.chat.completions.create(ask).withResponse();
  assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
  assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
  assert.match(first.response.headers.get('x-ratelimit-reset-requests') ?? '', /^\d+(ms|s)$/);
  await client.chat.completions.create(ask);
  const refused = await expectApiError(client.chat.completions.create(ask), APIError, 429, 'rate_limit_exceeded');
  assert.ok(Number((refused.headers as Headers | undefined)?.get('retry-after')) >= 1);
  assert.equal((refused.headers as Headers | undefined)?.get('x-ratelimit-remaining-requests'), '0');
  // Only this key is limited.
  await fixture.client.chat.completions.create(ask);
});

test('a tokens-per-minute limit on a project counts prompt bytes and max_tokens', async () => {
  const { secret } = await billedOrganization(url, 'tokenlimited', 1_000_000);
  await operatorCall(url, 'POST', '/orgs/tokenlimited/rate-limits', {
    scope: 'project',
    scopeId: 'main',
    requestsPerMinute: null,
    tokensPerMinute: 1_000,
  });
  const client = clientFor(secret);
  await client.chat.completions.create({ ...ask, max_tokens: 400 });
  const refused = await expectApiError(
    client.chat.completions.create({ ...ask, max_tokens: 700 }),
    APIError,
    429,
    'rate_limit_exceeded',
  );
  assert.equal((refused.headers as Headers | undefined)?.get('x-ratelimit-limit-tokens'), '1000');
});

test('a budget or rate limit for a project or key the organization does not have is refused, naming scopeId', async () => {
  await billedOrganization(url, 'scoped', 1_000_000);
  const { keyId: foreignKey } = await billedOrganization(url, 'scoped-other', 1_000_000);
  const refusals = [
    ['budgets', { scope: 'project', scopeId: 'missing', period: 'day', limitMicro: 400 }],
    ['budgets', { scope: 'key', scopeId: foreignKey, period: 'day', limitMicro: 400 }],
    ['rate-limits', { scope: 'project', scopeId: 'missing', requestsPerMinute: 2, tokensPerMinute: null }],
    ['rate-limits', { scope: 'key', scopeId: foreignKey, requestsPerMinute: 2, tokensPerMinute: null }],
  ] as const;
  for (const [collection, body] of refusals) {
    const answer = await callAdmin(url, 'POST', `/admin/v1/orgs/scoped/${collection}`, { body });
    assert.equal(answer.status, 400, `${collection} ${JSON.stringify(body)}`);
    assert.deepEqual([answer.body.error.code, answer.body.error.param], ['invalid_request', 'scopeId']);
  }
  assert.deepEqual((await operatorCall(url, 'GET', '/orgs/scoped/budgets')).data, []);
});

test('budgets per project cap what its requests may be held for, and show what was spent', async () => {
  const { secret } = await billedOrganization(url, 'budgeted', 1_000_000);
  const created = await operatorCall(url, 'POST', '/orgs/budgeted/budgets', {
    scope: 'project',
    scopeId: 'main',
    period: 'day',
    limitMicro: 400,
  });
  const client = clientFor(secret);
  // max_tokens 50 holds about 300: within the budget; 500 would hold over 1,000: refused.
  await client.chat.completions.create(ask);
  await expectApiError(client.chat.completions.create({ ...ask, max_tokens: 500 }), APIError, 402, 'budget_exceeded');
  const listed = await operatorCall(url, 'GET', '/orgs/budgeted/budgets');
  assert.deepEqual(
    listed.data.map((b: any) => [b.id, b.spentMicro, b.reservedMicro]),
    [[created.id, fakeAnswerCostMicro, 0]],
  );
  const answer = await callAdmin(url, 'DELETE', `/admin/v1/orgs/budgeted/budgets/${created.id}`);
  assert.equal(answer.status, 200);
  await client.chat.completions.create({ ...ask, max_tokens: 500 });
});
