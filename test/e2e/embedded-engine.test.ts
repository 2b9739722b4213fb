import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { APIError, RateLimitError } from 'openai';
import { tinyModel } from '../../src/model-files/index.js';
import { ensureTinyLlamaModel } from '../fixtures/tiny-llama-model.js';
import { callAdmin } from '../helpers/admin-client.js';
import { expectApiError, usageRecordOf } from '../helpers/gateway-calls.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { RangeFileServer } from '../helpers/range-file-server.js';
import { llamaSkip } from '../helpers/require-llama.js';
import { runCli } from '../helpers/spawn-cli.js';
import { testAdminToken } from '../helpers/temp-platform.js';

// One thread: the test model is tiny, and the suite shares two cores between two files.
const engineOptions = { contextSize: 512, parallelSequences: 2, threads: 1 };
const hi = [{ role: 'user' as const, content: 'Hi' }];
/** The tiny model's template around "Hi": <s><|turn|>user\nHi<|end|><|turn|>assistant\n, one token a byte or control token. */
const hiPromptTokens = 21;

async function admin(fixture: GatewayFixture, method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const answer = await callAdmin(fixture.platform.url, method, `/admin/v1${path}`, { body });
  assert.ok(answer.status < 300, `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function addEmbedded(fixture: GatewayFixture, modelId: string, source: string): Promise<void> {
  await admin(fixture, 'POST', '/models', {
    id: modelId,
    inputPriceMicroPerMtok: 100_000,
    outputPriceMicroPerMtok: 200_000,
  });
  await admin(fixture, 'POST', '/deployments', {
    id: `${modelId}-fra`,
    modelId,
    siteId: 'fra-1',
    kind: 'embedded',
    source,
    engineOptions,
  });
}

async function readyz(
  fixture: GatewayFixture,
): Promise<{ status: string; engines?: Record<string, { state: string; reason: string | null }> }> {
  return (await fetch(`${fixture.platform.url}/readyz`)).json() as Promise<{ status: string }>;
}

describe('the embedded engine behind the gateway', { skip: llamaSkip() }, () => {
  let fixture: GatewayFixture;

  before(async () => {
    // One queue place per deployment, so that the 429 test fills it with three requests.
    fixture = await startGatewayFixture({
      config: { gateway: { healthCheckIntervalMs: 600_000 }, embedded: { queuedRequestsMax: 1 } },
    });
    await addEmbedded(fixture, 'tiny', ensureTinyLlamaModel());
  });

  after(() => fixture.dispose());

  it('serves chat next to an openai-kind deployment, with exact usage, metered durably', async () => {
    const { data, response } = await fixture.client.chat.completions
      .create({ model: 'tiny', messages: hi, max_tokens: 9, temperature: 0 })
      .withResponse();
    assert.equal(response.headers.get('x-commonweal-deployment'), 'tiny-fra');
    assert.equal(response.headers.get('x-commonweal-jurisdiction'), 'DE');
    assert.deepEqual(data.usage, {
      prompt_tokens: hiPromptTokens,
      completion_tokens: 9,
      total_tokens: hiPromptTokens + 9,
    });
    assert.equal(Buffer.byteLength(data.choices[0]!.message.content ?? ''), 9);
    const record = await usageRecordOf(fixture.platform.url, response.headers.get('x-request-id')!);
    assert.equal(record?.deploymentId, 'tiny-fra');
    assert.equal(record?.completionTokens, 9);
    assert.equal(record?.promptTokens, hiPromptTokens);
    assert.equal(record?.usageEstimated, false);
    const proxied = await fixture.client.chat.completions.create({ model: 'fake-model', messages: hi });
    assert.equal(proxied.choices[0]!.message.content, 'Hello, world!');
  });

  it('streams token by token through the gateway, with the usage chunk when asked', async () => {
    const stream = await fixture.client.chat.completions.create({
      model: 'tiny',
      messages: hi,
      max_tokens: 11,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: { completion_tokens: number } | null | undefined;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content;
      if (piece) pieces.push(piece);
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(pieces.length, 11);
    assert.equal(usage?.completion_tokens, 11);
    const plain = await fixture.client.chat.completions.create({
      model: 'tiny',
      messages: hi,
      max_tokens: 11,
      temperature: 0,
    });
    assert.equal(pieces.join(''), plain.choices[0]!.message.content);
  });

  it("embeds with the model's dimension through the openai client", async () => {
    const answer = await fixture.client.embeddings.create({ model: 'tiny', input: ['a', 'bc'] });
    assert.deepEqual(
      answer.data.map((d) => d.embedding.length),
      [tinyModel.embeddingLength, tinyModel.embeddingLength],
    );
    assert.equal(answer.usage.prompt_tokens, 3);
  });

  it('shows the engine state in /readyz and the admin API', async () => {
    const ready = await readyz(fixture);
    assert.equal(ready.status, 'ready');
    assert.equal(ready.engines?.['tiny-fra']?.state, 'ready');
    const status = await admin(fixture, 'GET', '/deployments/tiny-fra/status');
    assert.equal(status.kind, 'embedded');
    assert.equal(status.engine.state, 'ready');
    assert.deepEqual((await admin(fixture, 'GET', '/deployments/dep-0/status')).engine, null);
  });

  it('answers 429 engine_busy once every sequence and queue place is taken', async () => {
    // Long answers hold both sequences and the one queue place while the last request comes.
    const long = { model: 'tiny', messages: hi, max_tokens: 480, temperature: 0, stream: true as const };
    const running = await Promise.all([1, 2].map(() => fixture.client.chat.completions.create(long)));
    const iterators = running.map((stream) => stream[Symbol.asyncIterator]());
    await Promise.all(iterators.map((iterator) => iterator.next()));
    const waiting = fixture.client.chat.completions.create({ ...long, stream: false });
    for (
      let look = 0;
      look < 200 && (await admin(fixture, 'GET', '/deployments/tiny-fra/status')).engine.requestsWaiting < 1;
      look++
    )
      await sleep(5);
    await expectApiError(
      fixture.client.chat.completions.create({ model: 'tiny', messages: hi, max_tokens: 1 }),
      RateLimitError,
      429,
      'engine_busy',
    );
    // The others finish as if nothing happened; reading them to the end also frees their connections.
    for (const iterator of iterators)
      for (let chunk = 0; chunk <= long.max_tokens + 3 && !(await iterator.next()).done; chunk++);
    assert.equal((await waiting).usage?.completion_tokens, 480);
  });

  it('answers a missing or broken model file with engine_unavailable and its reason, and serves on', async () => {
    const garbage = join(fixture.platform.dataDir, 'garbage.gguf');
    writeFileSync(garbage, 'not a model');
    // A missing file is refused when the deployment is created, so this one goes after.
    const deleted = join(fixture.platform.dataDir, 'deleted-later.gguf');
    writeFileSync(deleted, 'soon gone');
    await addEmbedded(fixture, 'missing', deleted);
    rmSync(deleted);
    await addEmbedded(fixture, 'broken', garbage);
    const missing = await expectApiError(
      fixture.client.chat.completions.create({ model: 'missing', messages: hi }),
      APIError,
      503,
      'engine_unavailable',
    );
    assert.ok(missing.message.includes(`the model file ${deleted} does not exist`), missing.message);
    const broken = await expectApiError(
      fixture.client.chat.completions.create({ model: 'broken', messages: hi }),
      APIError,
      503,
      'engine_unavailable',
    );
    assert.match(broken.message, /not a usable GGUF model/);
    assert.ok(!broken.message.includes(fixture.platform.dataDir), 'clients see no server path');
    const engines = (await readyz(fixture)).engines!;
    assert.equal(engines['missing-fra']?.state, 'failed');
    assert.match(engines['broken-fra']?.reason ?? '', /not a usable GGUF model/);
    assert.equal((await readyz(fixture)).status, 'ready');
    const still = await fixture.client.chat.completions.create({
      model: 'tiny',
      messages: hi,
      max_tokens: 2,
      temperature: 0,
    });
    assert.equal(still.usage?.completion_tokens, 2);
    assert.equal(
      (await fixture.client.chat.completions.create({ model: 'fake-model', messages: hi })).choices[0]!.message.content,
      'Hello, world!',
    );
  });

  it('pulls a model from a server, resumes after an interruption, registers its metadata and serves it', async () => {
    const model = readFileSync(ensureTinyLlamaModel());
    const files = await RangeFileServer.start({ 'tiny-pulled.gguf': model });
    try {
      const env = { COMMONWEAL_SERVER: fixture.platform.url, COMMONWEAL_ADMIN_TOKEN: testAdminToken };
      const args = ['models', 'pull', `${files.origin}/tiny-pulled.gguf`, '--site', 'fra-1'];
      const options = ['--engine-options', 'contextSize=512,threads=1'];
      files.fault = { kind: 'cut_after', bytes: Math.floor(model.length / 3) };
      const cut = await runCli([...args, ...options], env);
      assert.equal(cut.code, 1);
      assert.match(
        cut.stderr,
        /^error: cannot download .* was lost after \d+ bytes .*run the same command again to resume$/m,
      );
      assert.doesNotMatch(cut.stderr, /\n\s+at /, 'no stack trace');
      const pulled = await runCli([...args, ...options], env);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.match(pulled.stderr, /resumed at [\d.]+ KB/);
      assert.match(files.ranges.at(-1) ?? '', /^bytes=\d+-$/);
      assert.match(pulled.stdout, /registered model tiny-pulled/);
      const entry = await admin(fixture, 'GET', '/models/tiny-pulled');
      assert.equal(entry.family, 'llama');
      assert.equal(entry.license, 'Apache-2.0');
      assert.equal(entry.contextLength, tinyModel.contextLength);
      assert.ok(entry.parameterCount > 100_000);
      const deployment = await admin(fixture, 'GET', '/deployments/tiny-pulled-fra-1');
      assert.equal(deployment.kind, 'embedded');
      const served = await fixture.client.chat.completions.create({
        model: 'tiny-pulled',
        messages: hi,
        max_tokens: 3,
        temperature: 0,
      });
      assert.equal(served.usage?.completion_tokens, 3);
      const again = await runCli(args, env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /already downloaded/);
      assert.match(again.stdout, /in the catalog already[\s\S]*exists already/);
    } finally {
      await files.close();
    }
  });
});

describe('an embedded deployment of a source that was not pulled', { skip: llamaSkip() }, () => {
  let fixture: GatewayFixture;
  let files: RangeFileServer;

  before(async () => {
    // No wait after the failed load, so that the request after the pull loads the model.
    const config = { gateway: { healthCheckIntervalMs: 600_000 }, embedded: { loadRetryMs: 0 } };
    fixture = await startGatewayFixture({ config });
    // Served as Hugging Face serves a repository's file, under /hf/.
    const model = readFileSync(ensureTinyLlamaModel());
    files = await RangeFileServer.start({ 'someone/tiny-GGUF/resolve/main/tiny.gguf': model });
  });

  after(async () => {
    await files.close();
    await fixture.dispose();
  });

  it('names the command that pulls it, and that command, run as printed, makes it serve', async () => {
    await addEmbedded(fixture, 'unpulled', 'hf:someone/tiny-GGUF/tiny.gguf');
    const request = { model: 'unpulled', messages: hi, max_tokens: 2, temperature: 0 };
    const answer = fixture.client.chat.completions.create(request);
    const refused = await expectApiError(answer, APIError, 503, 'engine_unavailable');
    const command = /run "commonweal (models pull [^"]+)"/.exec(refused.message)?.[1];
    assert.ok(command !== undefined, refused.message);
    const env = { COMMONWEAL_SERVER: fixture.platform.url, COMMONWEAL_ADMIN_TOKEN: testAdminToken };
    // The mirror option only stands in for huggingface.co, which this test cannot reach.
    const pulled = await runCli([...command.split(' '), '--hf-endpoint', `${files.origin}/hf`], env);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal((await fixture.client.chat.completions.create(request)).usage?.completion_tokens, 2);
    const namedAfterFile = await callAdmin(fixture.platform.url, 'GET', '/admin/v1/models/tiny');
    assert.equal(namedAfterFile.status, 404, 'no second catalog entry');
  });
});
