import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import OpenAI, { APIConnectionError, APIError, APIUserAbortError, InternalServerError } from 'openai';
import { type FakeFault, malformedEvent, upstreamErrorEvent } from '../helpers/fake-upstream.js';
import {
  expectApiError,
  postRaw,
  sseData,
  usageRecordOf,
  waitForUsageRecord,
  withinGuard,
} from '../helpers/gateway-calls.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';

/** A guard against hangs, far above the gateway's own limits below; never a measure of speed. */
const guardMs = 8_000;
const chatBody = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };
/** The fake's stream: a role chunk, four content chunks, a finish chunk, then usage and [DONE]. */
const chunksBeforeFault = 3;

let fixture: GatewayFixture;
let client: OpenAI;

before(async () => {
  fixture = await startGatewayFixture({
    config: { gateway: { firstByteTimeoutMs: 300, idleTimeoutMs: 300, healthCheckIntervalMs: 600_000 } },
  });
  // The client's own timeout is only a guard: a gateway that hangs fails the tests below with a timeout error.
  client = new OpenAI({
    apiKey: fixture.apiKey,
    baseURL: `${fixture.platform.url}/v1`,
    maxRetries: 0,
    timeout: guardMs,
    logLevel: 'off',
  });
});
after(async () => fixture.dispose());
beforeEach(() => {
  fixture.upstreams[0]!.fault = null;
});

function upstream() {
  return fixture.upstreams[0]!;
}

/** After a fault: the upstream holds no request any more, and a normal request succeeds. */
async function assertRecovered(): Promise<void> {
  upstream().fault = null;
  upstream().release();
  await withinGuard(upstream().waitForIdle(), guardMs, 'the upstream is left with no request open');
  const answer = await client.chat.completions.create(chatBody);
  assert.equal(answer.choices[0]?.message.content, 'Hello, world!');
  let text = '';
  for await (const chunk of await client.chat.completions.create({ ...chatBody, stream: true }))
    text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'Hello, world!');
}

/** Reads a stream through the SDK until it ends or fails. */
async function consume(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  } catch (error) {
    return { text, error };
  }
  return { text, error: undefined };
}

/**
 * A fault after the first byte: the SDK fails with the gateway's error event after the
 * text produced so far; the raw stream ends with that event and no faked [DONE]; the
 * usage record says the upstream failed, with what it produced; the upstream is closed.
 */
async function assertFailsMidStream(fault: FakeFault, code: string, upstreamLeftOpen: boolean): Promise<void> {
  upstream().fault = fault;
  const closesBefore = upstream().earlyCloses;
  const { data: stream, response } = await client.chat.completions.create({ ...chatBody, stream: true }).withResponse();
  assert.equal(response.status, 200);
  const { text, error } = await consume(stream);
  assert.ok(
    error instanceof APIError && !(error instanceof APIConnectionError),
    `a clear error from the gateway, got ${String(error)}`,
  );
  assert.equal(error.code, code);
  assert.equal(text, 'Hello,', 'the text produced before the fault arrived');
  const record = await usageRecordOf(fixture.platform.url, response.headers.get('x-request-id') ?? '');
  assert.ok(record, 'the record is durable before the error event');
  assert.deepEqual(
    [record.outcome, record.status, record.errorCode, record.streamed, record.usageEstimated, record.completionTokens],
    ['upstream_error', 200, code, true, true, chunksBeforeFault],
  );
  assert.equal(record.totalTokens, record.promptTokens + record.completionTokens);
  assert.ok(record.promptTokens > 0);
  if (upstreamLeftOpen)
    await withinGuard(
      upstream().waitForEarlyCloses(closesBefore + 1),
      guardMs,
      'the gateway closes the upstream request',
    );

  // The same, byte for byte.
  upstream().release();
  const raw = await postRaw(
    fixture.platform.url,
    fixture.apiKey,
    '/v1/chat/completions',
    { ...chatBody, stream: true },
    guardMs,
  );
  assert.equal(raw.status, 200);
  const data = sseData(raw.text);
  assert.equal(data.length, chunksBeforeFault + 1, raw.text);
  for (const event of data.slice(0, chunksBeforeFault)) assert.ok(JSON.parse(event).choices, event);
  const last = JSON.parse(data.at(-1)!);
  assert.deepEqual(Object.keys(last), ['error']);
  assert.equal(last.error.code, code);
  assert.ok(!raw.text.includes('[DONE]'), 'a failed stream does not end with a faked [DONE]');
  assert.ok(!raw.text.includes(malformedEvent.trim()), 'broken bytes are not passed on');
  assert.ok(
    !raw.text.includes(upstreamErrorEvent.error.message),
    "the upstream's own error text stays out of the answer",
  );
  await assertRecovered();
}

test('an upstream that dies mid-stream: error event, no [DONE], record of what was produced', async () => {
  await assertFailsMidStream({ kind: 'crash_mid_stream', chunksBefore: chunksBeforeFault }, 'upstream_error', false);
});

test('an upstream that dies inside an event: the cut event is dropped, not glued to the error event', async () => {
  await assertFailsMidStream(
    { kind: 'crash_mid_stream', chunksBefore: chunksBeforeFault, cutInEvent: true },
    'upstream_error',
    false,
  );
});

test('an upstream that stalls mid-stream is cut at the idle timeout', async () => {
  await assertFailsMidStream({ kind: 'stall_mid_stream', chunksBefore: chunksBeforeFault }, 'upstream_timeout', true);
});

test('an upstream that sends malformed SSE: the stream ends with an error and the upstream is closed', async () => {
  await assertFailsMidStream({ kind: 'malformed_sse', chunksBefore: chunksBeforeFault }, 'upstream_error', true);
});

test('an error event inside a 200 stream ends it as a failure, metered before the error reaches the client', async () => {
  await assertFailsMidStream({ kind: 'error_event', chunksBefore: chunksBeforeFault }, 'upstream_error', false);
});

/** A fault before the first byte, plain and streamed: an error status, a record of it, nothing left open. */
async function assertFailsBeforeFirstByte(
  fault: FakeFault,
  status: number,
  code: string,
  upstreamLeftOpen: boolean,
): Promise<void> {
  upstream().fault = fault;
  for (const stream of [false, true]) {
    const closesBefore = upstream().earlyCloses;
    const requestsBefore = upstream().chatRequests().length;
    const error = await expectApiError(
      client.chat.completions.create({ ...chatBody, stream }),
      InternalServerError,
      status,
      code,
    );
    assert.equal(upstream().chatRequests().length, requestsBefore + 1);
    const record = await usageRecordOf(fixture.platform.url, error.requestID ?? '');
    assert.deepEqual(
      [record?.outcome, record?.status, record?.errorCode, record?.deploymentId, record?.streamed, record?.totalTokens],
      ['upstream_error', status, code, 'dep-0', stream, 0],
    );
    if (upstreamLeftOpen)
      await withinGuard(
        upstream().waitForEarlyCloses(closesBefore + 1),
        guardMs,
        'the gateway closes the upstream request',
      );
  }
  await assertRecovered();
}

test('an upstream that hangs before its first byte: 504 at the first-byte timeout', async () => {
  await assertFailsBeforeFirstByte({ kind: 'hang_before_headers' }, 504, 'upstream_timeout', true);
});

test('an upstream 500: 502 upstream_error', async () => {
  await assertFailsBeforeFirstByte({ kind: 'status', statusCode: 500 }, 502, 'upstream_error', false);
});

test('an upstream 503 with nowhere else to go: 502 upstream_error', async () => {
  await assertFailsBeforeFirstByte(
    { kind: 'status', statusCode: 503, body: '<html>Service Unavailable</html>' },
    502,
    'upstream_error',
    false,
  );
});

test('a client that aborts mid-stream: the upstream request is closed at once and the record says client_aborted', async () => {
  // Default timeouts here: had the abort not reached the upstream, the 30 s idle limit
  // would leave it open well past the guard.
  const own = await startGatewayFixture();
  try {
    const fake = own.upstreams[0]!;
    const ownClient = new OpenAI({
      apiKey: own.apiKey,
      baseURL: `${own.platform.url}/v1`,
      maxRetries: 0,
      timeout: guardMs,
      logLevel: 'off',
    });
    fake.fault = { kind: 'stall_mid_stream', chunksBefore: chunksBeforeFault };
    const { data: stream, response } = await ownClient.chat.completions
      .create({ ...chatBody, stream: true })
      .withResponse();
    let chunks = 0;
    for await (const _chunk of stream) {
      chunks += 1;
      if (chunks === chunksBeforeFault) stream.controller.abort();
    }
    assert.equal(chunks, chunksBeforeFault);
    await withinGuard(fake.waitForEarlyCloses(1), guardMs, 'the upstream sees the client leave');
    const record = await waitForUsageRecord(own.platform.url, response.headers.get('x-request-id') ?? '');
    assert.deepEqual(
      [record.outcome, record.status, record.errorCode, record.completionTokens, record.usageEstimated],
      ['client_aborted', 499, 'client_closed_request', chunksBeforeFault, true],
    );

    // Before the first byte too: the client gives up while the upstream is still thinking.
    fake.fault = { kind: 'delay', delayMs: 60_000 };
    const controller = new AbortController();
    const requestsBefore = fake.chatRequests().length;
    const pending = ownClient.chat.completions.create(chatBody, { signal: controller.signal }).withResponse();
    await withinGuard(fake.waitForRequests(fake.requests.length + 1), guardMs, 'the request reaches the upstream');
    assert.equal(fake.chatRequests().length, requestsBefore + 1);
    const forwarded = fake.chatRequests().at(-1)!;
    controller.abort();
    await assert.rejects(pending, APIUserAbortError);
    await withinGuard(fake.waitForEarlyCloses(2), guardMs, 'the upstream sees the client leave');
    const waiting = await waitForUsageRecord(own.platform.url, forwarded.headers['x-request-id'] as string);
    assert.deepEqual(
      [waiting.outcome, waiting.status, waiting.firstByteMs, waiting.totalTokens],
      ['client_aborted', 499, null, 0],
    );

    fake.fault = null;
    const answer = await ownClient.chat.completions.create(chatBody);
    assert.equal(answer.choices[0]?.message.content, 'Hello, world!');
  } finally {
    await own.dispose();
  }
});
