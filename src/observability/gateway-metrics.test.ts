import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { GatewayMetrics } from './gateway-metrics.js';
import type { ServedRequest } from './served-request.js';
import { type TenantLabelMode, TenantLabels } from './tenant-labels.js';

const served: ServedRequest = Object.freeze({
  path: '/v1/chat/completions',
  modelId: 'm1',
  organizationId: 'org-a',
  keyId: 'key-a',
  status: 200,
  errorCode: null,
  streamed: false,
  promptTokens: 10,
  completionTokens: 20,
  durationMs: 500,
  firstByteMs: 100,
  upstreamWaitMs: 450,
  creditsChargedMicro: 50,
  creditsWrittenOffMicro: 0,
});

function metricsWith(mode: TenantLabelMode = 'none', valuesMax = 100) {
  const registry = new Registry();
  return { registry, metrics: new GatewayMetrics(registry, new TenantLabels(mode, valuesMax)) };
}

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values as { metricName?: string; labels: Record<string, unknown>; value: number }[]) {
      const sampleName = value.metricName ?? metric.name;
      if (sampleName === name && Object.entries(labels).every(([k, v]) => String(value.labels[k]) === v))
        return value.value;
    }
  }
  return undefined;
}

async function labelSets(registry: Registry, name: string): Promise<Record<string, unknown>[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => v.labels);
}

test('the metric names follow the OpenTelemetry GenAI conventions and commonweal_* for the rest', async () => {
  const { registry } = metricsWith();
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
  assert.deepEqual(names, [
    'commonweal_credits_charged_micro_total',
    'commonweal_credits_written_off_micro_total',
    'commonweal_gateway_overhead_seconds',
    'commonweal_requests_refused_total',
    'commonweal_requests_total',
    'gen_ai_client_token_usage',
    'gen_ai_server_request_duration',
    'gen_ai_server_time_per_output_token',
    'gen_ai_server_time_to_first_token',
  ]);
});

test('a served chat request counts its outcome, tokens, duration, first token, overhead and charge', async () => {
  const { registry, metrics } = metricsWith();
  metrics.observe(served);
  metrics.observe({ ...served, streamed: true, completionTokens: 41, durationMs: 900, upstreamWaitMs: 880 });
  const model = { gen_ai_operation_name: 'chat', gen_ai_request_model: 'm1' };
  assert.equal(
    await sample(registry, 'commonweal_requests_total', { endpoint: 'chat.completions', outcome: 'success' }),
    2,
  );
  assert.equal(await sample(registry, 'gen_ai_client_token_usage_sum', { ...model, gen_ai_token_type: 'input' }), 20);
  assert.equal(await sample(registry, 'gen_ai_client_token_usage_sum', { ...model, gen_ai_token_type: 'output' }), 61);
  assert.equal(await sample(registry, 'gen_ai_server_request_duration_sum', { ...model, error_type: '' }), 1.4);
  assert.equal(await sample(registry, 'gen_ai_server_time_to_first_token_count', model), 2);
  // Only the stream has a time per output token: (900 - 100) ms over the 40 tokens after the first.
  assert.equal(await sample(registry, 'gen_ai_server_time_per_output_token_count', model), 1);
  assert.equal(await sample(registry, 'gen_ai_server_time_per_output_token_sum', model), 0.02);
  assert.equal(await sample(registry, 'commonweal_gateway_overhead_seconds_count'), 2);
  assert.ok(Math.abs((await sample(registry, 'commonweal_gateway_overhead_seconds_sum'))! - 0.07) < 1e-9);
  assert.equal(await sample(registry, 'commonweal_credits_charged_micro_total'), 100);
  assert.equal(await sample(registry, 'commonweal_credits_written_off_micro_total'), 0, 'nothing written off');
});

test("refusals are counted by reason only when Commonweal refused; a model server's own 429 is not one", async () => {
  const { registry, metrics } = metricsWith();
  const refused = { ...served, upstreamWaitMs: null, promptTokens: null, completionTokens: null, firstByteMs: null };
  metrics.observe({ ...refused, status: 403, errorCode: 'policy_denied' });
  metrics.observe({ ...refused, status: 402, errorCode: 'budget_exceeded' });
  metrics.observe({ ...refused, status: 402, errorCode: 'insufficient_credits' });
  metrics.observe({ ...refused, status: 429, errorCode: 'rate_limit_exceeded' });
  metrics.observe({ ...served, status: 429, errorCode: 'rate_limit_exceeded', firstByteMs: null });
  for (const reason of ['policy', 'budget', 'credits', 'rate_limit'])
    assert.equal(await sample(registry, 'commonweal_requests_refused_total', { reason }), 1, reason);
  assert.equal(await sample(registry, 'commonweal_requests_total', { outcome: 'refused' }), 4);
  assert.equal(await sample(registry, 'commonweal_requests_total', { outcome: 'client_error' }), 1);
  assert.equal(
    await sample(registry, 'gen_ai_server_time_to_first_token_count'),
    undefined,
    'a failure has no first token',
  );
});

test("error_type is a closed set: Commonweal's codes, and _OTHER for a model server's own", async () => {
  const { registry, metrics } = metricsWith();
  metrics.observe({ ...served, status: 502, errorCode: 'upstream_error' });
  metrics.observe({ ...served, status: 400, errorCode: 'context_length_exceeded' });
  metrics.observe({ ...served, status: 499, errorCode: 'client_closed_request' });
  const types = (await labelSets(registry, 'gen_ai_server_request_duration'))
    .map((labels) => labels.error_type)
    .filter((value, index, all) => all.indexOf(value) === index)
    .sort();
  assert.deepEqual(types, ['_OTHER', 'client_closed_request', 'upstream_error']);
  assert.equal(await sample(registry, 'commonweal_requests_total', { outcome: 'server_error' }), 1);
  assert.equal(await sample(registry, 'commonweal_requests_total', { outcome: 'aborted' }), 1);
});

test('endpoints are a closed set, and a request that named no model of the catalog has no GenAI series', async () => {
  const { registry, metrics } = metricsWith();
  metrics.observe({ ...served, path: '/v1/models/m1', modelId: null });
  metrics.observe({ ...served, path: '/v1/no/such/path/1', modelId: null, status: 404, errorCode: 'route_not_found' });
  metrics.observe({ ...served, path: '/v1/no/such/path/2', modelId: null, status: 404, errorCode: 'route_not_found' });
  metrics.observe({ ...served, modelId: null, status: 404, errorCode: 'model_not_found' });
  assert.deepEqual(
    (await labelSets(registry, 'commonweal_requests_total')).map((l) => `${l.endpoint} ${l.outcome}`),
    ['models success', 'other client_error', 'chat.completions client_error'],
  );
  assert.deepEqual(await labelSets(registry, 'gen_ai_server_request_duration'), []);
});

test('tenant labels are opt-in, by organization or key, and capped: later tenants are counted as other', async () => {
  const none = metricsWith('none');
  none.metrics.observe(served);
  assert.deepEqual(await labelSets(none.registry, 'commonweal_requests_total'), [
    { endpoint: 'chat.completions', outcome: 'success' },
  ]);

  const byOrganization = metricsWith('organization', 2);
  for (const organizationId of ['org-a', 'org-b', 'org-c', 'org-d', 'org-a'])
    byOrganization.metrics.observe({ ...served, organizationId });
  byOrganization.metrics.observe({
    ...served,
    organizationId: null,
    keyId: null,
    status: 401,
    errorCode: 'invalid_api_key',
  });
  const total = (organization: string) =>
    sample(byOrganization.registry, 'commonweal_requests_total', { outcome: 'success', organization });
  assert.deepEqual([await total('org-a'), await total('org-b'), await total('other')], [2, 1, 2]);
  assert.equal(await total('org-c'), undefined);
  assert.equal(
    await sample(byOrganization.registry, 'commonweal_credits_charged_micro_total', { organization: 'other' }),
    100,
  );
  assert.equal(
    await sample(byOrganization.registry, 'commonweal_requests_total', { outcome: 'client_error', organization: '' }),
    1,
    'a request refused before authentication has the empty tenant',
  );

  const byKey = metricsWith('key', 1);
  byKey.metrics.observe({ ...served, keyId: 'key-1' });
  byKey.metrics.observe({ ...served, keyId: 'key-2' });
  assert.deepEqual(
    (await labelSets(byKey.registry, 'commonweal_requests_total')).map((l) => l.key),
    ['key-1', 'other'],
  );
});
