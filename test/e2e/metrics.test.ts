import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { request } from 'undici';
import { billedOrganization, operatorCall } from '../helpers/billing-setup.js';
import { fakeModelId } from '../helpers/fake-upstream.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { type PrometheusScrape, parsePrometheusText, sampleSum } from '../helpers/prometheus-text.js';
import { startTempPlatform } from '../helpers/temp-platform.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];

async function scrape(url: string, token?: string): Promise<{ status: number; text: string; type: string }> {
  const answer = await request(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: answer.statusCode, text: await answer.body.text(), type: String(answer.headers['content-type']) };
}

async function expectStatus(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    return true;
  });
}

let fixture: GatewayFixture;
before(async () => {
  fixture = await startGatewayFixture();
});
after(async () => {
  await fixture.dispose();
});

test('a scrape of the main port counts exactly the requests sent, by outcome and reason', async () => {
  const { client, platform, upstreams } = fixture;
  const plain = await client.chat.completions.create({ model: fakeModelId, messages });
  const stream = await client.chat.completions.create({
    model: fakeModelId,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let streamed: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) streamed = chunk.usage ?? streamed;
  assert.ok(plain.usage !== undefined && streamed !== undefined);

  // Refused by policy: the organization may use France only, and the one deployment is in Germany.
  await operatorCall(platform.url, 'PUT', '/orgs/acme/policy', { allowedJurisdictions: ['FR'] });
  await expectStatus(client.chat.completions.create({ model: fakeModelId, messages }), 403, 'policy_denied');
  await operatorCall(platform.url, 'PUT', '/orgs/acme/policy', { allowedJurisdictions: ['DE'] });
  // Refused for credits: an organization without a credits account, billing on.
  const broke = await billedOrganization(platform.url, 'broke', undefined);
  const brokeClient = new OpenAI({ apiKey: broke.secret, baseURL: `${platform.url}/v1`, maxRetries: 0 });
  await expectStatus(
    brokeClient.chat.completions.create({ model: fakeModelId, messages }),
    402,
    'insufficient_credits',
  );
  // The model server fails.
  upstreams[0]!.fault = { kind: 'status', statusCode: 500 };
  await expectStatus(client.chat.completions.create({ model: fakeModelId, messages }), 502, 'upstream_error');
  upstreams[0]!.fault = null;

  assert.ok(platform.metricsUrl !== undefined);
  const answer = await scrape(platform.metricsUrl);
  assert.equal(answer.status, 200);
  assert.match(answer.type, /^text\/plain; version=0\.0\.4/);
  const metrics = parsePrometheusText(answer.text);
  const value = (name: string, labels: Record<string, string> = {}) => sampleSum(metrics, name, labels);
  const chat = { endpoint: 'chat.completions' };
  assert.equal(value('commonweal_requests_total', { ...chat, outcome: 'success' }), 2);
  assert.equal(value('commonweal_requests_total', { ...chat, outcome: 'refused' }), 2);
  assert.equal(value('commonweal_requests_total', { ...chat, outcome: 'server_error' }), 1);
  assert.equal(value('commonweal_requests_total'), 5, 'no other request is counted');
  assert.equal(value('commonweal_requests_refused_total', { reason: 'policy' }), 1);
  assert.equal(value('commonweal_requests_refused_total', { reason: 'credits' }), 1);
  assert.equal(value('commonweal_requests_refused_total'), 2);

  const model = { gen_ai_operation_name: 'chat', gen_ai_request_model: fakeModelId };
  const durations = (errorType: string) =>
    value('gen_ai_server_request_duration_count', { ...model, error_type: errorType });
  assert.deepEqual(['', 'policy_denied', 'insufficient_credits', 'upstream_error'].map(durations), [2, 1, 1, 1]);
  const tokens = (type: string, part: 'sum' | 'count') =>
    value(`gen_ai_client_token_usage_${part}`, { ...model, gen_ai_token_type: type });
  assert.equal(tokens('input', 'count'), 2);
  assert.equal(tokens('input', 'sum'), plain.usage.prompt_tokens + streamed.prompt_tokens);
  assert.equal(tokens('output', 'sum'), plain.usage.completion_tokens + streamed.completion_tokens);
  assert.equal(value('gen_ai_server_time_to_first_token_count', model), 2);
  assert.equal(value('gen_ai_server_time_per_output_token_count', model), 1, 'only the stream');
  // The two answers and the failure reached the model server; the refusals never did.
  assert.equal(value('commonweal_gateway_overhead_seconds_count'), 3);
  assert.ok(value('commonweal_gateway_overhead_seconds_sum')! > 0);

  const charged = await platform.store.db
    .selectFrom('usageRecords')
    .select((eb) => eb.fn.sum<number>('creditsChargedMicro').as('sum'))
    .executeTakeFirstOrThrow();
  assert.ok(Number(charged.sum) > 0);
  assert.equal(value('commonweal_credits_charged_micro_total'), Number(charged.sum));
  assert.equal(value('commonweal_credits_written_off_micro_total'), 0);
  assert.equal(value('commonweal_credits_reserved_micro'), 0, 'every hold ended');
  assert.equal(value('commonweal_ledger_holds_pending'), 0);

  const leaves = await platform.store.db
    .selectFrom('auditLeaves')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  assert.equal(value('commonweal_transparency_log_size'), Number(leaves.count));
  assert.ok(value('commonweal_transparency_checkpoint_age_seconds')! >= 0);
  assert.equal(value('commonweal_upstream_circuit_state', { deployment: 'dep-0', state: 'closed' }), 1);
  assert.equal(value('commonweal_upstream_requests_in_flight', { deployment: 'dep-0' }), 0);
  assert.ok(value('commonweal_store_commit_batch_size_count')! >= 5, 'each metered request committed');
});

test('embeddings count their input tokens only, and a later scrape adds what came since', async () => {
  const before = parsePrometheusText((await scrape(fixture.platform.metricsUrl!)).text);
  await fixture.client.embeddings.create({ model: fakeModelId, input: ['a', 'b'] });
  const after = parsePrometheusText((await scrape(fixture.platform.metricsUrl!)).text);
  const delta = (scrape: PrometheusScrape) =>
    sampleSum(scrape, 'commonweal_requests_total', { endpoint: 'embeddings', outcome: 'success' }) ?? 0;
  assert.equal(delta(after) - delta(before), 1);
  const embeddings = { gen_ai_operation_name: 'embeddings', gen_ai_request_model: fakeModelId };
  assert.equal(sampleSum(after, 'gen_ai_client_token_usage_count', { ...embeddings, gen_ai_token_type: 'input' }), 1);
  assert.equal(
    sampleSum(after, 'gen_ai_client_token_usage_count', { ...embeddings, gen_ai_token_type: 'output' }),
    undefined,
  );
});

test('metrics.port serves /metrics alone, behind the bearer token, and the main port no longer does', async () => {
  const token = 'scrape-token-0123456789abcdef';
  const platform = await startTempPlatform(undefined, { metrics: { port: 0, bearerToken: token } });
  try {
    const url = platform.metricsUrl;
    assert.ok(url !== undefined && !url.startsWith(platform.url));
    const onMain = await scrape(`${platform.url}/metrics`, token);
    assert.equal(onMain.status, 404);
    assert.equal(JSON.parse(onMain.text).error.code, 'route_not_found');
    for (const presented of [undefined, 'wrong-token-0123456789abcdef', `${token}x`]) {
      const refused = await scrape(url, presented);
      assert.equal(refused.status, 401, `token ${presented}`);
      assert.deepEqual(Object.keys(JSON.parse(refused.text).error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(JSON.parse(refused.text).error.code, 'invalid_metrics_token');
    }
    const served = await scrape(url, token);
    assert.equal(served.status, 200);
    assert.equal(parsePrometheusText(served.text).types.get('commonweal_requests_total'), 'counter');
    const elsewhere = await scrape(url.replace(/\/metrics$/, '/v1/models'), token);
    assert.equal(elsewhere.status, 404);
    const posted = await request(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(posted.statusCode, 405);
    assert.equal(((await posted.body.json()) as { error: { code: string } }).error.code, 'method_not_allowed');
  } finally {
    await platform.dispose();
  }
});

test('with metrics off, /metrics is not served and nothing listens for it', async () => {
  const platform = await startTempPlatform(undefined, { metrics: { enabled: false } });
  try {
    assert.equal(platform.metricsUrl, undefined);
    assert.equal((await scrape(`${platform.url}/metrics`)).status, 404);
  } finally {
    await platform.dispose();
  }
});
