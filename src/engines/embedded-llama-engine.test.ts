import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTinyLlamaModel } from '../../test/fixtures/tiny-llama-model.js';
import { llamaSkip } from '../../test/helpers/require-llama.js';
import type { EmbeddedEngineOptions } from '../catalog/index.js';
import { tinyModel } from '../model-files/index.js';
import { EmbeddedLlamaEngine } from './embedded-llama-engine.js';
import { EmbeddedRuntime, type EmbeddedRuntimeOptions, notInstalledMessage } from './embedded-runtime.js';
import type { UpstreamCall, UpstreamResponse } from './engine.js';
import { UpstreamFailure } from './upstream-failure.js';

interface Completion {
  readonly choices: ReadonlyArray<{ readonly message: { readonly content: string }; readonly finish_reason: string }>;
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number; readonly total_tokens: number };
}

// One thread: the test model is so small that thread hand-offs cost more than they save,
// and the suite shares two cores between two test files.
const engineOptions: EmbeddedEngineOptions = { contextSize: 512, parallelSequences: 2, threads: 1 };
const dir = mkdtempSync(join(tmpdir(), 'commonweal-embedded-'));

function runtimeOptions(changes: Partial<EmbeddedRuntimeOptions> = {}): EmbeddedRuntimeOptions {
  return {
    modelsDir: join(dir, 'models'),
    idleUnloadMs: 600_000,
    loadRetryMs: 0,
    queuedRequestsMax: 2,
    timeouts: { connectTimeoutMs: 5_000, firstByteTimeoutMs: 60_000, idleTimeoutMs: 30_000, totalTimeoutMs: 600_000 },
    moduleName: 'node-llama-cpp',
    log: () => undefined,
    ...changes,
  };
}

function call(path: string, body: object, signal = new AbortController().signal): UpstreamCall {
  return { method: 'POST', path, body: Buffer.from(JSON.stringify({ model: 'tiny', ...body })), headers: {}, signal };
}

function chat(body: object, signal?: AbortSignal): UpstreamCall {
  return call('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], temperature: 0, ...body }, signal);
}

async function text(response: UpstreamResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function completion(response: UpstreamResponse): Promise<Completion> {
  assert.equal(response.statusCode, 200);
  return JSON.parse(await text(response)) as Completion;
}

/** The data of every server-sent event, in order. */
function events(stream: string): string[] {
  return stream
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => e.replace(/^data: /, ''));
}

/**
 * The prompt as the tiny model's template renders it, counted by hand: its byte
 * vocabulary makes one token per byte, and each control token is one token.
 */
function expectedPromptTokens(messages: ReadonlyArray<{ role: string; content: string }>): number {
  const bytes = (s: string) => Buffer.byteLength(s);
  const turns = messages.reduce((sum, m) => sum + 1 + bytes(`${m.role}\n`) + bytes(m.content) + 1, 0);
  return 1 + turns + 1 + bytes('assistant\n');
}

function isUnavailable(pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof UpstreamFailure, String(error));
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'engine_unavailable');
    assert.match(error.message, pattern);
    return true;
  };
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('EmbeddedLlamaEngine without node-llama-cpp', () => {
  it('answers with a clear engine_unavailable failure and says so in its status', async () => {
    const runtime = new EmbeddedRuntime(runtimeOptions({ moduleName: 'node-llama-cpp-that-is-not-installed' }));
    const engine = new EmbeddedLlamaEngine({ deploymentId: 'emb', source: '/models/none.gguf', options: {} }, runtime);
    assert.equal(runtime.installed, false);
    assert.equal(engine.status().state, 'failed');
    assert.equal(engine.status().reason, notInstalledMessage);
    await assert.rejects(engine.send(chat({})), isUnavailable(/not installed/));
    await engine.close();
  });

  it('refuses a source that is not a model reference when it is built', () => {
    const runtime = new EmbeddedRuntime(runtimeOptions());
    assert.throws(
      () => new EmbeddedLlamaEngine({ deploymentId: 'emb', source: 'models/relative.gguf', options: {} }, runtime),
      TypeError,
    );
  });
});

describe('EmbeddedLlamaEngine on the tiny model', { skip: llamaSkip() }, () => {
  let runtime: EmbeddedRuntime;
  let engine: EmbeddedLlamaEngine;
  let modelPath: string;

  before(() => {
    modelPath = ensureTinyLlamaModel();
    runtime = new EmbeddedRuntime(runtimeOptions());
    engine = new EmbeddedLlamaEngine({ deploymentId: 'emb', source: modelPath, options: engineOptions }, runtime);
  });

  after(async () => {
    await engine.close();
    await runtime.close();
  });

  it('loads the model on the first request, not before', async () => {
    assert.equal(engine.status().state, 'unloaded');
    await completion(await engine.send(chat({ max_tokens: 1 })));
    assert.equal(engine.status().state, 'ready');
  });

  it("renders the prompt with the model's own chat template", async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello, tiny model!' },
    ];
    const answer = await completion(await engine.send(chat({ messages, max_tokens: 1 })));
    assert.equal(answer.usage.prompt_tokens, expectedPromptTokens(messages));
  });

  it('generates exactly max_tokens tokens and counts them', async () => {
    const answer = await completion(await engine.send(chat({ max_tokens: 17 })));
    const content = answer.choices[0]!.message.content;
    assert.equal(answer.usage.completion_tokens, 17);
    assert.equal(Buffer.byteLength(content), 17, 'one byte per token');
    assert.equal(answer.choices[0]!.finish_reason, 'length');
    assert.equal(answer.usage.total_tokens, answer.usage.prompt_tokens + 17);
  });

  it('streams token by token, then the finish reason, the usage and [DONE]', async () => {
    const response = await engine.send(chat({ max_tokens: 12, stream: true, stream_options: { include_usage: true } }));
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/event-stream');
    assert.equal(
      response.body.readableEncoding,
      'utf8',
      'the events come as text, not encoded for the gateway to decode',
    );
    const data = events(await text(response));
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1).map(
      (d) =>
        JSON.parse(d) as {
          choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
          usage?: Completion['usage'];
        },
    );
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const pieces = chunks.slice(1, -2).map((c) => c.choices[0]!.delta.content);
    assert.equal(pieces.length, 12, 'one event per token');
    assert.ok(pieces.every((p) => p?.length === 1));
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'length');
    assert.deepEqual(chunks.at(-1)!.choices, []);
    assert.equal(chunks.at(-1)!.usage!.completion_tokens, 12);
    const plain = await completion(await engine.send(chat({ max_tokens: 12 })));
    assert.equal(pieces.join(''), plain.choices[0]!.message.content, 'greedy decoding gives the same text either way');
  });

  it('stops before a stop sequence and counts the tokens generated up to it', async () => {
    const free = (await completion(await engine.send(chat({ max_tokens: 40 })))).choices[0]!.message.content;
    const stop = free.slice(6, 8);
    const expected = free.slice(0, free.indexOf(stop));
    const answer = await completion(await engine.send(chat({ max_tokens: 40, stop: [stop, 'never-generated'] })));
    assert.equal(answer.choices[0]!.message.content, expected);
    assert.equal(answer.choices[0]!.finish_reason, 'stop');
    assert.equal(answer.usage.completion_tokens, Buffer.byteLength(expected) + Buffer.byteLength(stop));
  });

  it('samples reproducibly with a seed', async () => {
    const body = { max_tokens: 20, temperature: 1, top_p: 0.9, seed: 42 };
    const first = (await completion(await engine.send(chat(body)))).choices[0]!.message.content;
    const second = (await completion(await engine.send(chat(body)))).choices[0]!.message.content;
    assert.equal(second, first);
  });

  it('follows a JSON schema given as response_format', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { enum: ['yes', 'no'] }, ok: { type: 'boolean' } },
      required: ['answer', 'ok'],
    };
    const response_format = { type: 'json_schema', json_schema: { name: 'verdict', schema } };
    const answer = await completion(await engine.send(chat({ max_tokens: 100, response_format })));
    const parsed = JSON.parse(answer.choices[0]!.message.content) as { answer: string; ok: unknown };
    assert.ok(['yes', 'no'].includes(parsed.answer));
    assert.equal(typeof parsed.ok, 'boolean');
    assert.equal(answer.choices[0]!.finish_reason, 'stop');
  });

  it("embeds texts with the model's dimension, in floats or base64", async () => {
    const body = { input: ['hello', 'tiny world'] };
    const floats = JSON.parse(await text(await engine.send(call('/v1/embeddings', body)))) as {
      data: { index: number; embedding: number[] }[];
      usage: { prompt_tokens: number };
    };
    assert.deepEqual(
      floats.data.map((d) => d.embedding.length),
      [tinyModel.embeddingLength, tinyModel.embeddingLength],
    );
    assert.equal(floats.usage.prompt_tokens, 'hello'.length + 'tiny world'.length);
    const base64 = JSON.parse(
      await text(await engine.send(call('/v1/embeddings', { ...body, encoding_format: 'base64' }))),
    ) as { data: { embedding: string }[] };
    const decoded = new Float32Array(new Uint8Array(Buffer.from(base64.data[0]!.embedding, 'base64')).buffer);
    assert.equal(decoded.length, tinyModel.embeddingLength);
    assert.ok(Math.abs(decoded[1]! - floats.data[0]!.embedding[1]!) < 1e-6);
  });

  it('runs parallel sequences, queues the next requests in order and refuses one more with 429', async () => {
    const sends = Array.from({ length: 5 }, () => engine.send(chat({ max_tokens: 40 })));
    assert.equal(engine.status().requestsRunning, 2);
    assert.equal(engine.status().requestsWaiting, 2);
    const responses = await Promise.all(sends);
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [200, 200, 200, 200, 429],
    );
    const refused = JSON.parse(await text(responses[4]!)) as { error: { code: string } };
    assert.equal(refused.error.code, 'engine_busy');
    const answers = await Promise.all(responses.slice(0, 4).map(completion));
    assert.ok(answers.every((a) => a.usage.completion_tokens === 40));
    assert.equal(
      new Set(answers.map((a) => a.choices[0]!.message.content)).size,
      1,
      'sequences do not disturb each other',
    );
    assert.equal(engine.status().requestsRunning, 0);
  });

  it('is fair between tenants: a full line makes room for an organization with fewer waiting', async () => {
    const of = (tenant: string) => ({ ...chat({ max_tokens: 20 }), tenant });
    // Two run and two wait, all of tenant a: the line is full.
    const flood = Array.from({ length: 4 }, () => engine.send(of('a')));
    assert.equal(engine.status().requestsWaiting, 2);
    const other = engine.send(of('b'));
    const responses = await Promise.all([...flood, other]);
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [200, 200, 200, 429, 200],
      "a's newest waiter gave its place to b",
    );
    const refused = JSON.parse(await text(responses[3]!)) as { error: { code: string } };
    assert.equal(refused.error.code, 'engine_busy');
    await Promise.all([0, 1, 2, 4].map((i) => completion(responses[i]!)));
    assert.equal(engine.status().requestsRunning, 0);
  });

  it('stops generating when the client leaves mid-stream and frees its sequence', async () => {
    const controller = new AbortController();
    const response = await engine.send(chat({ max_tokens: 400, stream: true }, controller.signal));
    const reason = new Error('the client left');
    response.body.once('data', () => controller.abort(reason));
    await assert.rejects(text(response), (error) => error === reason);
    for (let i = 0; i < 100 && engine.status().requestsRunning > 0; i++) await sleep(20);
    assert.equal(engine.status().requestsRunning, 0);
  });

  it('answers 400 for a prompt longer than the context and for options it cannot honour', async () => {
    const long = await engine.send(chat({ messages: [{ role: 'user', content: 'x'.repeat(600) }] }));
    assert.equal(long.statusCode, 400);
    assert.match(await text(long), /the prompt is \d+ tokens; this model's context holds 512/);
    for (const body of [
      { n: 2 },
      { tools: [{ type: 'function', function: { name: 'f' } }] },
      { temperature: 3 },
      { max_tokens: 0 },
    ]) {
      const response = await engine.send(chat(body));
      assert.equal(response.statusCode, 400, JSON.stringify(body));
      assert.equal((JSON.parse(await text(response)) as { error: { code: string } }).error.code, 'invalid_request');
    }
  });

  it('unloads when idle and loads again on the next request', async () => {
    const before = (await completion(await engine.send(chat({ max_tokens: 8 })))).choices[0]!.message.content;
    await engine.unloadIfIdle();
    assert.equal(engine.status().state, 'unloaded');
    const again = await completion(await engine.send(chat({ max_tokens: 8 })));
    assert.equal(engine.status().state, 'ready');
    assert.equal(again.choices[0]!.message.content, before);
  });

  it('unloads by itself after idleUnloadMs', async () => {
    const quick = new EmbeddedRuntime(runtimeOptions({ idleUnloadMs: 50 }));
    const idle = new EmbeddedLlamaEngine({ deploymentId: 'idle', source: modelPath, options: engineOptions }, quick);
    await completion(await idle.send(chat({ max_tokens: 1 })));
    for (let i = 0; i < 200 && idle.status().state !== 'unloaded'; i++) await sleep(20);
    assert.equal(idle.status().state, 'unloaded');
    await idle.close();
    await quick.close();
  });
});

describe('EmbeddedLlamaEngine on a file it cannot use', { skip: llamaSkip() }, () => {
  let runtime: EmbeddedRuntime;

  before(() => {
    runtime = new EmbeddedRuntime(runtimeOptions({ loadRetryMs: 600_000 }));
  });

  after(() => runtime.close());

  /** `namesPath`: a missing file is the operator's to fix, so its reason says where it was looked for. */
  async function expectFailure(source: string, pattern: RegExp, namesPath = false): Promise<void> {
    const engine = new EmbeddedLlamaEngine({ deploymentId: 'bad', source, options: engineOptions }, runtime);
    await assert.rejects(engine.send(chat({ max_tokens: 1 })), isUnavailable(pattern));
    assert.equal(engine.status().state, 'failed');
    assert.match(engine.status().reason!, pattern);
    if (!namesPath) assert.ok(!engine.status().reason!.includes(dir), 'the reason names no path');
    // Within loadRetryMs the reason comes back at once, with no second load.
    await assert.rejects(engine.send(chat({ max_tokens: 1 })), isUnavailable(pattern));
    await engine.close();
  }

  it('reports a missing file', async () => {
    const path = join(dir, 'missing.gguf');
    await expectFailure(path, new RegExp(`model file ${path.replaceAll('.', '\\.')} does not exist`), true);
  });

  it('reports an hf: model that was not pulled, with the command that pulls it', async () => {
    // --no-register: the deployment has its model already; a pull named after the file would add another.
    const hint = /"commonweal models pull hf:someone\/tiny-GGUF\/tiny\.gguf --no-register"/;
    await expectFailure('hf:someone/tiny-GGUF/tiny.gguf', hint, true);
  });

  it('reports a file that is not GGUF', async () => {
    const path = join(dir, 'garbage.gguf');
    writeFileSync(path, Buffer.from('this is not a model, only text pretending to be one'));
    await expectFailure(path, /not a usable GGUF model: it does not start with the GGUF magic bytes/);
  });

  it('reports a GGUF file whose tensor data was cut off', async () => {
    const whole = readFileSync(ensureTinyLlamaModel());
    const path = join(dir, 'truncated.gguf');
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
    await expectFailure(path, /llama\.cpp could not load the model file/);
  });
});
