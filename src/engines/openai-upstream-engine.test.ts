import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { FakeUpstream } from '../../test/helpers/fake-upstream.js';
import type { UpstreamCall } from './engine.js';
import { OpenAiUpstreamEngine, type OpenAiUpstreamOptions } from './openai-upstream-engine.js';
import { UpstreamFailure } from './upstream-failure.js';

const upstreamApiKey = 'sk-upstream-secret-1234';

// Small limits keep the failure tests fast; no test asserts how long anything took.
const fastOptions: OpenAiUpstreamOptions = Object.freeze({
  connectionsMax: 64,
  queuedCallsMax: 256,
  connectTimeoutMs: 200,
  firstByteTimeoutMs: 200,
  idleTimeoutMs: 200,
  totalTimeoutMs: 5_000,
});

function chatCall(body: object, signal = new AbortController().signal): UpstreamCall {
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    body: Buffer.from(JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], ...body })),
    headers: { 'content-type': 'application/json' },
    signal,
  };
}

async function readAll(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function firstChunk(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    body.once('data', (chunk: Buffer) => {
      body.pause();
      resolve(chunk);
    });
    body.once('error', reject);
  });
}

function isFailure(kind: UpstreamFailure['kind'], code: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof UpstreamFailure, `expected an UpstreamFailure, got ${String(error)}`);
    assert.equal(error.kind, kind);
    assert.equal(error.code, code);
    assert.equal(error.deploymentId, 'dep-1');
    assert.ok(!error.message.includes(upstreamApiKey));
    assert.ok(!String(error.stack).includes(upstreamApiKey));
    return true;
  };
}

describe('OpenAiUpstreamEngine', () => {
  let fake: FakeUpstream;
  let engine: OpenAiUpstreamEngine;
  let engines: OpenAiUpstreamEngine[] = [];

  before(async () => {
    fake = await FakeUpstream.start();
  });

  afterEach(async () => {
    fake.fault = null;
    fake.release();
    await Promise.all(engines.map((e) => e.close()));
    engines = [];
  });

  after(async () => {
    await fake.close();
  });

  function newEngine(baseUrl = fake.baseUrl, options = fastOptions): OpenAiUpstreamEngine {
    engine = new OpenAiUpstreamEngine({ deploymentId: 'dep-1', baseUrl, upstreamApiKey }, options);
    engines.push(engine);
    return engine;
  }

  it('passes status, headers and body through', async () => {
    const response = await newEngine().send(chatCall({}));
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json');
    const answer = JSON.parse(await readAll(response.body)) as { choices: Array<{ message: { content: string } }> };
    assert.equal(answer.choices[0]?.message.content, 'Hello, world!');
  });

  it('passes an upstream error status through as an answer, not a failure', async () => {
    fake.fault = { kind: 'status', statusCode: 400, body: '{"error":{"message":"bad"}}' };
    const response = await newEngine().send(chatCall({}));
    assert.equal(response.statusCode, 400);
    assert.equal(await readAll(response.body), '{"error":{"message":"bad"}}');
  });

  it("sends the upstream key as a bearer token in place of the caller's", async () => {
    const call = {
      ...chatCall({}),
      headers: { 'content-type': 'application/json', authorization: 'Bearer cw_live_client' },
    };
    await readAll((await newEngine().send(call)).body);
    const seen = fake.requests.at(-1);
    assert.equal(seen?.headers.authorization, `Bearer ${upstreamApiKey}`);
    assert.equal(seen?.url, '/v1/chat/completions');
  });

  it('sends no authorization when the deployment has no key', async () => {
    engine = new OpenAiUpstreamEngine(
      { deploymentId: 'dep-1', baseUrl: fake.baseUrl, upstreamApiKey: null },
      fastOptions,
    );
    engines.push(engine);
    const call = { ...chatCall({}), headers: { authorization: 'Bearer cw_live_client' } };
    await readAll((await engine.send(call)).body);
    assert.equal(fake.requests.at(-1)?.headers.authorization, undefined);
  });

  it('reaches /v1 whether or not the base URL names it', async () => {
    for (const baseUrl of [fake.origin, `${fake.origin}/`, `${fake.origin}/v1/`]) {
      const response = await newEngine(baseUrl).send({
        method: 'POST',
        path: '/v1/embeddings',
        body: Buffer.from('{"input":["a","b"]}'),
        headers: {},
        signal: new AbortController().signal,
      });
      assert.equal(response.statusCode, 200, baseUrl);
      assert.equal((JSON.parse(await readAll(response.body)) as { data: unknown[] }).data.length, 2);
      assert.equal(fake.requests.at(-1)?.url, '/v1/embeddings');
    }
  });

  it('streams chunk by chunk, before the upstream has finished', async () => {
    fake.fault = { kind: 'stall_mid_stream', chunksBefore: 1 };
    const completedBefore = fake.completed;
    const response = await newEngine().send(chatCall({ stream: true, stream_options: { include_usage: true } }));
    assert.equal(response.headers['content-type'], 'text/event-stream');
    const first = (await firstChunk(response.body)).toString('utf8');
    assert.match(first, /"role":"assistant"/);
    assert.equal(fake.completed, completedBefore, 'the upstream has not finished yet');
    fake.release();
    const rest = await readAll(response.body);
    assert.match(rest, /"usage":\{"prompt_tokens":5/);
    assert.ok(rest.endsWith('data: [DONE]\n\n'));
  });

  it('fails with upstream_timeout when the first byte does not come in time', async () => {
    fake.fault = { kind: 'hang_before_headers' };
    await assert.rejects(newEngine().send(chatCall({})), isFailure('first_byte_timeout', 'upstream_timeout'));
  });

  it('fails the body with upstream_timeout when the stream goes idle', async () => {
    fake.fault = { kind: 'stall_mid_stream', chunksBefore: 2 };
    const response = await newEngine().send(chatCall({ stream: true }));
    await assert.rejects(readAll(response.body), isFailure('idle_timeout', 'upstream_timeout'));
  });

  it('fails the body with upstream_timeout past the total time limit', async () => {
    fake.fault = { kind: 'stall_mid_stream', chunksBefore: 1 };
    const options = { ...fastOptions, idleTimeoutMs: 60_000, totalTimeoutMs: 200 };
    const response = await newEngine(fake.baseUrl, options).send(chatCall({ stream: true }));
    await assert.rejects(readAll(response.body), isFailure('total_timeout', 'upstream_timeout'));
  });

  it('fails the body with upstream_error when the upstream crashes mid-stream', async () => {
    fake.fault = { kind: 'crash_mid_stream', chunksBefore: 2 };
    const response = await newEngine().send(chatCall({ stream: true }));
    await assert.rejects(readAll(response.body), isFailure('connection_lost', 'upstream_error'));
  });

  it('fails with upstream_error when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(
      newEngine(`http://127.0.0.1:${port}/v1`).send(chatCall({})),
      isFailure('unreachable', 'upstream_error'),
    );
  });

  it('cancels the upstream request when the signal aborts before the headers', async () => {
    fake.fault = { kind: 'hang_before_headers' };
    const closesBefore = fake.earlyCloses;
    const controller = new AbortController();
    const sending = newEngine(fake.baseUrl, { ...fastOptions, firstByteTimeoutMs: 60_000 }).send(
      chatCall({}, controller.signal),
    );
    await fake.waitForRequests(fake.requests.length + 1);
    const reason = new Error('the client left');
    controller.abort(reason);
    await assert.rejects(sending, (error) => error === reason);
    await fake.waitForEarlyCloses(closesBefore + 1);
  });

  it('cancels the upstream request when the signal aborts mid-stream', async () => {
    fake.fault = { kind: 'stall_mid_stream', chunksBefore: 1 };
    const closesBefore = fake.earlyCloses;
    const controller = new AbortController();
    const response = await newEngine(fake.baseUrl, { ...fastOptions, idleTimeoutMs: 60_000 }).send(
      chatCall({ stream: true }, controller.signal),
    );
    await firstChunk(response.body);
    controller.abort(new Error('the client left'));
    await assert.rejects(readAll(response.body), /the client left/);
    await fake.waitForEarlyCloses(closesBefore + 1);
  });

  it('cancels the upstream request when the body is destroyed', async () => {
    fake.fault = { kind: 'stall_mid_stream', chunksBefore: 1 };
    const closesBefore = fake.earlyCloses;
    const response = await newEngine(fake.baseUrl, { ...fastOptions, idleTimeoutMs: 60_000 }).send(
      chatCall({ stream: true }),
    );
    await firstChunk(response.body);
    response.body.destroy();
    await fake.waitForEarlyCloses(closesBefore + 1);
  });

  it('refuses calls beyond its connections and queue', async () => {
    fake.fault = { kind: 'hang_before_headers' };
    const options = { ...fastOptions, connectionsMax: 1, queuedCallsMax: 1 };
    const controller = new AbortController();
    const busy = newEngine(fake.baseUrl, options);
    const held = [busy.send(chatCall({}, controller.signal)), busy.send(chatCall({}, controller.signal))];
    await assert.rejects(busy.send(chatCall({})), isFailure('overloaded', 'engine_unavailable'));
    controller.abort(new Error('done'));
    await Promise.allSettled(held);
  });

  it('probes with GET /models and rejects on an error status', async () => {
    newEngine();
    await engine.probe(new AbortController().signal);
    assert.equal(fake.requests.at(-1)?.url, '/v1/models');
    assert.equal(fake.requests.at(-1)?.headers.authorization, `Bearer ${upstreamApiKey}`);
    fake.fault = { kind: 'status', statusCode: 503 };
    await assert.rejects(engine.probe(new AbortController().signal), { code: 'upstream_error' });
  });

  it('rejects a base URL that carries credentials', () => {
    assert.throws(() => newEngine('http://user:pass@127.0.0.1:1/v1'), TypeError);
  });
});
