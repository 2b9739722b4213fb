import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { request } from 'undici';
import { callAdmin } from '../helpers/admin-client.js';
import { postChunked } from '../helpers/chunked-upload.js';
import type { FakeUpstream, RecordedRequest } from '../helpers/fake-upstream.js';
import {
  assertOpenAiError,
  expectApiError,
  postRaw,
  sseData,
  usageRecordOf,
  withinGuard,
} from '../helpers/gateway-calls.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';

const bodySizeBytesMax = 16 * 1024;
const placeOf: Readonly<Record<string, { site: string; jurisdiction: string }>> = {
  'dep-0': { site: 'fra-1', jurisdiction: 'DE' },
  'dep-1': { site: 'par-1', jurisdiction: 'FR' },
};
/** Requests a test may send while waiting for the balancer to have used both deployments. */
const spreadAttemptsMax = 60;

let fixture: GatewayFixture;
let client: OpenAI;

before(async () => {
  fixture = await startGatewayFixture({
    upstreamCount: 2,
    config: {
      http: { bodySizeBytesMax },
      // Health checks would add probes and breaker verdicts this file does not look at.
      gateway: { firstByteTimeoutMs: 300, healthCheckIntervalMs: 600_000 },
    },
  });
  client = fixture.client;
});
after(async () => fixture.dispose());
beforeEach(() => {
  for (const upstream of fixture.upstreams) upstream.fault = null;
});

function allChatRequests(): number {
  return fixture.upstreams.reduce((sum, upstream) => sum + upstream.chatRequests().length, 0);
}

/** The request an upstream received for a client request, found by the id the gateway passes along. */
function upstreamRequestFor(requestId: string): { upstream: FakeUpstream; recorded: RecordedRequest } {
  for (const upstream of fixture.upstreams) {
    const recorded = upstream.requests.find((r) => r.headers['x-request-id'] === requestId);
    if (recorded !== undefined) return { upstream, recorded };
  }
  assert.fail(`no upstream received ${requestId}`);
}

function assertPlaceHeaders(headers: Headers): string {
  const deployment = headers.get('x-commonweal-deployment') ?? '';
  assert.ok(deployment in placeOf, `unexpected deployment "${deployment}"`);
  assert.equal(headers.get('x-commonweal-site'), placeOf[deployment]!.site);
  assert.equal(headers.get('x-commonweal-jurisdiction'), placeOf[deployment]!.jurisdiction);
  return deployment;
}

test('a chat completion has the content, the usage and the place it ran, and its usage record agrees', async () => {
  const served = new Set<string>();
  for (let i = 0; i < spreadAttemptsMax && served.size < 2; i++) {
    const { data, response } = await client.chat.completions
      .create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'Hello, world!');
    assert.deepEqual(data.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    const requestId = response.headers.get('x-request-id') ?? '';
    assert.match(requestId, /^req_/);
    const deployment = assertPlaceHeaders(response.headers);
    served.add(deployment);
    const record = await usageRecordOf(fixture.platform.url, requestId);
    assert.ok(record, 'the record is durable before the answer');
    assert.equal(record.deploymentId, deployment);
    assert.equal(record.jurisdiction, placeOf[deployment]!.jurisdiction);
    assert.deepEqual(
      [
        record.outcome,
        record.status,
        record.promptTokens,
        record.completionTokens,
        record.totalTokens,
        record.usageEstimated,
        record.streamed,
      ],
      ['success', 200, 5, 4, 9, false, false],
    );
  }
  assert.equal(served.size, 2, 'both deployments served');
});

test('a stream assembles the upstream text, and carries the usage chunk only when the client asked', async () => {
  const params = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }], stream: true as const };
  const { data: plain, response } = await client.chat.completions.create(params).withResponse();
  assertPlaceHeaders(response.headers);
  let text = '';
  let chunkCount = 0;
  for await (const chunk of plain) {
    chunkCount += 1;
    assert.ok(
      chunk.usage === undefined || chunk.usage === null,
      `no usage for a client that did not ask: ${JSON.stringify(chunk)}`,
    );
    assert.ok(chunk.choices.length > 0, 'no usage-only chunk');
    text += chunk.choices[0]?.delta.content ?? '';
  }
  assert.equal(text, 'Hello, world!');
  assert.equal(chunkCount, 6);
  const requestId = response.headers.get('x-request-id') ?? '';
  // The gateway asks the upstream for usage anyway, to meter the stream exactly.
  const upstreamBody = JSON.parse(upstreamRequestFor(requestId).recorded.body);
  assert.deepEqual(upstreamBody.stream_options, { include_usage: true });
  const record = await usageRecordOf(fixture.platform.url, requestId);
  assert.deepEqual(
    [record?.outcome, record?.promptTokens, record?.completionTokens, record?.usageEstimated, record?.streamed],
    ['success', 5, 4, false, true],
  );

  const withUsage = await client.chat.completions.create({ ...params, stream_options: { include_usage: true } });
  const chunks = [];
  for await (const chunk of withUsage) chunks.push(chunk);
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hello, world!');
  const last = chunks.at(-1);
  assert.deepEqual(last?.choices, []);
  assert.deepEqual(last?.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  assert.equal(chunks.filter((c) => c.usage).length, 1);
});

test('a finished stream ends with the upstream [DONE], sent once', async () => {
  const answer = await postRaw(fixture.platform.url, fixture.apiKey, '/v1/chat/completions', {
    model: 'fake-model',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  assert.equal(answer.status, 200);
  const data = sseData(answer.text);
  assert.equal(data.at(-1), '[DONE]');
  assert.equal(data.filter((d) => d === '[DONE]').length, 1);
  assert.ok(!answer.text.includes('"usage":{'), 'no usage in the bytes of a client that did not ask');
});

const everyField = {
  model: 'fake-model',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Wetter in Zürich? 🌦 \u2028 "quoted" \\ backslash' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Zürich"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":21.5}' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather by city',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
        strict: true,
      },
    },
  ],
  tool_choice: 'auto',
  parallel_tool_calls: false,
  response_format: {
    type: 'json_schema',
    json_schema: {
      name: 'answer',
      strict: true,
      schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    },
  },
  seed: 42,
  logprobs: true,
  top_logprobs: 3,
  temperature: 0.2,
  top_p: 0.9,
  max_completion_tokens: 64,
  n: 1,
  stop: ['\n\n', 'END'],
  presence_penalty: 0.1,
  frequency_penalty: -0.25,
  logit_bias: { '50256': -100 },
  user: 'user-1234',
  // Extensions that vLLM and SGLang read; a gateway that knows only OpenAI's fields must still pass them.
  top_k: 40,
  repetition_penalty: 1.1,
  guided_choice: ['yes', 'no'],
} as const;

test('every field the client sent reaches the upstream untouched but model and the length bound', async () => {
  const patched = await callAdmin(fixture.platform.url, 'PATCH', '/admin/v1/deployments/dep-0', {
    body: { upstreamModel: 'acme/fake-model-v2' },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  try {
    const served = new Set<string>();
    for (let i = 0; i < spreadAttemptsMax && served.size < 2; i++) {
      const stream = i % 2 === 1;
      const params = stream ? { ...everyField, stream: true, stream_options: { include_usage: false } } : everyField;
      const { data, response } = await client.chat.completions
        .create(params as unknown as ChatCompletionCreateParamsNonStreaming & ChatCompletionCreateParamsStreaming)
        .withResponse();
      // The upstream answers with its own name (`acme/fake-model-v2` for dep-0); the client is told the one it asked for.
      const names = new Set<string>();
      if (stream) for await (const chunk of data as unknown as AsyncIterable<{ model: string }>) names.add(chunk.model);
      else names.add((data as unknown as { model: string }).model);
      assert.deepEqual([...names], ['fake-model']);
      const deployment = assertPlaceHeaders(response.headers);
      served.add(deployment);
      const { upstream, recorded } = upstreamRequestFor(response.headers.get('x-request-id') ?? '');
      assert.equal(upstream, fixture.upstreams[Number(deployment.slice(4))]);
      const model = deployment === 'dep-0' ? 'acme/fake-model-v2' : 'fake-model';
      // The length the hold paid for goes as the one field every server reads; and a stream
      // always asks for usage, so that it can be metered exactly.
      const { max_completion_tokens: maxTokens, ...rest } = params;
      const sent = { ...rest, model, max_tokens: maxTokens };
      const expected = stream ? { ...sent, stream_options: { include_usage: true } } : sent;
      assert.deepEqual(JSON.parse(recorded.body), expected);
      assert.equal(recorded.url, '/v1/chat/completions');
      assert.equal(recorded.headers.authorization, undefined, "the client's key never travels upstream");
    }
    assert.equal(served.size, 2, 'both deployments served');
  } finally {
    await callAdmin(fixture.platform.url, 'PATCH', '/admin/v1/deployments/dep-0', { body: { upstreamModel: null } });
  }
});

test('embeddings pass through and are metered', async () => {
  const { data, response } = await client.embeddings
    .create({ model: 'fake-model', input: ['a', 'b'], encoding_format: 'float' })
    .withResponse();
  assert.equal(data.data.length, 2);
  assert.deepEqual(data.data[1]?.embedding, [0.1, 0.2, 0.3]);
  assert.deepEqual(data.usage, { prompt_tokens: 2, total_tokens: 2 });
  const requestId = response.headers.get('x-request-id') ?? '';
  const { recorded } = upstreamRequestFor(requestId);
  assert.equal(recorded.url, '/v1/embeddings');
  assert.deepEqual(JSON.parse(recorded.body), { model: 'fake-model', input: ['a', 'b'], encoding_format: 'float' });
  const record = await usageRecordOf(fixture.platform.url, requestId);
  assert.deepEqual(
    [
      record?.endpoint,
      record?.outcome,
      record?.promptTokens,
      record?.completionTokens,
      record?.totalTokens,
      record?.usageEstimated,
    ],
    ['embeddings', 'success', 2, 0, 2, false],
  );
});

test('the models list and a model by id', async () => {
  const ids: string[] = [];
  for await (const model of client.models.list()) {
    assert.equal(model.object, 'model');
    assert.equal(typeof model.created, 'number');
    ids.push(model.id);
  }
  assert.ok(ids.includes('fake-model'), ids.join(', '));
  const model = await client.models.retrieve('fake-model');
  assert.equal(model.id, 'fake-model');
  assert.equal(model.object, 'model');
  await expectApiError(client.models.retrieve('no-such-model'), NotFoundError, 404, 'model_not_found');
});

test('400: malformed JSON and a missing model are refused before any upstream sees them', async () => {
  const before = allChatRequests();
  const malformed = await postRaw(
    fixture.platform.url,
    fixture.apiKey,
    '/v1/chat/completions',
    '{"model": "fake-model", "messages": [',
  );
  assert.equal(malformed.status, 400);
  assertOpenAiError(JSON.parse(malformed.text), 'invalid_json');
  const notAnObject = await postRaw(fixture.platform.url, fixture.apiKey, '/v1/chat/completions', '[1,2]');
  assert.equal(notAnObject.status, 400);
  assertOpenAiError(JSON.parse(notAnObject.text), 'invalid_request');
  const missing = await expectApiError(
    client.chat.completions.create({
      messages: [{ role: 'user', content: 'hi' }],
    } as unknown as ChatCompletionCreateParamsNonStreaming),
    BadRequestError,
    400,
    'invalid_request',
  );
  assert.equal(missing.param, 'model');
  assert.equal(allChatRequests(), before);
});

test('401: a wrong key and a revoked key', async () => {
  const stranger = new OpenAI({
    apiKey: 'cw_not_a_key',
    baseURL: `${fixture.platform.url}/v1`,
    maxRetries: 0,
    timeout: 10_000,
  });
  await expectApiError(
    stranger.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    AuthenticationError,
    401,
    'invalid_api_key',
  );
  await expectApiError(stranger.models.list(), AuthenticationError, 401, 'invalid_api_key');

  const created = await callAdmin(fixture.platform.url, 'POST', '/admin/v1/orgs/acme/keys', {
    body: { role: 'project', projectId: 'main' },
  });
  assert.equal(created.status, 201);
  const holder = new OpenAI({
    apiKey: created.body.secret,
    baseURL: `${fixture.platform.url}/v1`,
    maxRetries: 0,
    timeout: 10_000,
  });
  const ok = await holder.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(ok.choices[0]?.message.content, 'Hello, world!');
  const revoked = await callAdmin(fixture.platform.url, 'DELETE', `/admin/v1/orgs/acme/keys/${created.body.id}`);
  assert.equal(revoked.status, 200);
  await expectApiError(
    holder.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    AuthenticationError,
    401,
    'invalid_api_key',
  );
});

test('404: an unknown model', async () => {
  const before = allChatRequests();
  const error = await expectApiError(
    client.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'hi' }] }),
    NotFoundError,
    404,
    'model_not_found',
  );
  assert.equal(error.param, 'model');
  assert.equal(allChatRequests(), before);
});

test('413: a body over the limit is refused, whether its length is declared or not, and never reaches an upstream', async () => {
  const before = allChatRequests();
  const big = 'x'.repeat(bodySizeBytesMax + 1);
  const declared = await expectApiError(
    client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: big }] }),
    APIError,
    413,
    'body_too_large',
  );
  assert.equal(declared.constructor, APIError, 'the SDK has no class of its own for 413');

  // A chunked body declares no length: it is refused once it passes the limit.
  const chunks = [
    Buffer.from('{"model":"fake-model","messages":[{"role":"user","content":"'),
    Buffer.from(big),
    Buffer.from('"}]}'),
  ];
  const chunked = await request(`${fixture.platform.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
    body: Readable.from(chunks),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  assert.equal(chunked.statusCode, 413);
  assertOpenAiError(await chunked.body.json(), 'body_too_large');
  assert.equal(allChatRequests(), before);

  // The server is still fine, on a fresh connection and on the client's own.
  const ok = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(ok.choices[0]?.message.content, 'Hello, world!');
});

// The timeout is what fails a server that reads an endless body for ever.
test('413 for an endless chunked body: the server answers, closes the connection instead of reading on, and serves others', {
  timeout: 60_000,
}, async () => {
  const before = allChatRequests();
  const upload = await postChunked({
    url: `${fixture.platform.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
    prefix: '{"model":"fake-model","messages":[{"role":"user","content":"',
    fillBytes: Number.POSITIVE_INFINITY,
    suffix: '',
    sentBytesMax: 512 * 1024 * 1024,
  });
  assert.equal(upload.status, 413);
  assertOpenAiError(JSON.parse(upload.body), 'body_too_large');
  assert.equal(upload.headers.connection, 'close');
  assert.ok(upload.closedByServer, `the server kept reading: the client gave up after ${upload.sentBytes} bytes`);
  // The server took its limit and what the socket buffers hold, far from the client's cap.
  assert.ok(upload.sentBytes < 64 * 1024 * 1024, `${upload.sentBytes} bytes were taken before the server closed`);
  assert.equal(allChatRequests(), before);

  const ok = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(ok.choices[0]?.message.content, 'Hello, world!');
});

test('429: when every deployment is saturated, the client gets a RateLimitError after each was tried', async () => {
  for (const upstream of fixture.upstreams) upstream.fault = { kind: 'status', statusCode: 429 };
  const before = fixture.upstreams.map((u) => u.chatRequests().length);
  const error = await expectApiError(
    client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    RateLimitError,
    429,
    null,
  );
  assert.deepEqual(
    fixture.upstreams.map((u, i) => u.chatRequests().length - before[i]!),
    [1, 1],
    'each deployment tried once',
  );
  const record = await usageRecordOf(fixture.platform.url, error.requestID ?? '');
  assert.deepEqual([record?.outcome, record?.status, record?.totalTokens], ['upstream_error', 429, 0]);
});

test('502: an upstream 500 becomes an InternalServerError that does not leak what the upstream said', async () => {
  const body = JSON.stringify({
    error: { message: 'db at 10.0.0.7:5432 refused', type: 'server_error', param: null, code: null },
  });
  for (const upstream of fixture.upstreams) upstream.fault = { kind: 'status', statusCode: 500, body };
  const error = await expectApiError(
    client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    InternalServerError,
    502,
    'upstream_error',
  );
  assert.doesNotMatch(error.message, /10\.0\.0\.7/);
  assertPlaceHeaders(error.headers!);
  const record = await usageRecordOf(fixture.platform.url, error.requestID ?? '');
  assert.deepEqual([record?.outcome, record?.status, record?.errorCode], ['upstream_error', 502, 'upstream_error']);
});

test('503: a model with no deployment', async () => {
  const created = await callAdmin(fixture.platform.url, 'POST', '/admin/v1/models', {
    body: { id: 'lonely-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const error = await expectApiError(
    client.chat.completions.create({ model: 'lonely-model', messages: [{ role: 'user', content: 'hi' }] }),
    InternalServerError,
    503,
    'no_healthy_deployment',
  );
  const record = await usageRecordOf(fixture.platform.url, error.requestID ?? '');
  assert.deepEqual([record?.outcome, record?.status, record?.deploymentId], ['rejected', 503, null]);
});

test('504: an upstream that never answers is cut at the first-byte timeout, not retried, and left closed', async () => {
  for (const upstream of fixture.upstreams) upstream.fault = { kind: 'hang_before_headers' };
  const before = allChatRequests();
  const closesBefore = new Map(fixture.upstreams.map((u) => [u, u.earlyCloses]));
  const error = await expectApiError(
    client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    InternalServerError,
    504,
    'upstream_timeout',
  );
  assert.equal(allChatRequests() - before, 1, 'a first-byte timeout is not retried elsewhere');
  const { upstream } = upstreamRequestFor(error.requestID ?? '');
  await withinGuard(
    upstream.waitForEarlyCloses(closesBefore.get(upstream)! + 1),
    5_000,
    'the upstream sees the request closed',
  );
  const record = await usageRecordOf(fixture.platform.url, error.requestID ?? '');
  assert.deepEqual([record?.outcome, record?.status, record?.errorCode], ['upstream_error', 504, 'upstream_timeout']);
});
