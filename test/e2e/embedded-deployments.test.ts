import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tinyLlamaGguf } from '../../src/model-files/index.js';
import { callAdmin } from '../helpers/admin-client.js';
import { assertAdminError } from '../helpers/assert-admin-error.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { RangeFileServer } from '../helpers/range-file-server.js';
import { runCli } from '../helpers/spawn-cli.js';
import { testAdminToken } from '../helpers/temp-platform.js';

/*
 * What needs no model to run: the admin API and CLI for embedded deployments, and
 * `models pull` without a network. These run whether or not node-llama-cpp is installed.
 */
describe('embedded deployments in the admin API and the CLI', () => {
  let fixture: GatewayFixture;
  let env: Record<string, string>;
  /** A file on the server, as an embedded source must be; nothing loads it here. */
  let modelFile: string;

  before(async () => {
    fixture = await startGatewayFixture({ config: { gateway: { healthCheckIntervalMs: 600_000 } } });
    env = { COMMONWEAL_SERVER: fixture.platform.url, COMMONWEAL_ADMIN_TOKEN: testAdminToken };
    modelFile = join(fixture.platform.dataDir, 'tiny.gguf');
    writeFileSync(modelFile, 'never loaded');
  });

  after(() => fixture.dispose());

  const post = (body: Record<string, unknown>) =>
    callAdmin(fixture.platform.url, 'POST', '/admin/v1/deployments', { body });
  const patch = (id: string, body: Record<string, unknown>) =>
    callAdmin(fixture.platform.url, 'PATCH', `/admin/v1/deployments/${id}`, { body });
  const base = { modelId: 'fake-model', siteId: 'fra-1' };

  it('creates an embedded deployment with its source and engine options, and changes them', async () => {
    const engineOptions = { contextSize: 2048, gpuLayers: 'auto', parallelSequences: 2, threads: 4 };
    const created = await post({
      ...base,
      id: 'emb-1',
      kind: 'embedded',
      source: 'hf:someone/tiny-GGUF/tiny.gguf',
      engineOptions,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.source, 'hf:someone/tiny-GGUF/tiny.gguf');
    assert.deepEqual(created.body.engineOptions, engineOptions);
    assert.equal(created.body.baseUrl, null);
    const changed = await patch('emb-1', { source: modelFile, engineOptions: { contextSize: 'auto' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body.engineOptions, { contextSize: 'auto' });
    assert.equal((await callAdmin(fixture.platform.url, 'GET', '/admin/v1/deployments/emb-1')).body.source, modelFile);
  });

  it('refuses an embedded deployment whose source file is not on the server, naming the path', async () => {
    const missing = join(fixture.platform.dataDir, 'models', 'not-there.gguf');
    const created = await post({ ...base, id: 'emb-missing', kind: 'embedded', source: missing });
    assertAdminError(created, 400, 'invalid_request', 'source');
    assert.equal(created.body.error.message, `source ${missing} does not exist on the server`);
    const changed = await patch('emb-1', { source: missing });
    assertAdminError(changed, 400, 'invalid_request', 'source');
    assert.equal(changed.body.error.message, `source ${missing} does not exist on the server`);
    const directory = await post({ ...base, id: 'emb-dir', kind: 'embedded', source: fixture.platform.dataDir });
    assert.equal(directory.body.error.message, `source ${fixture.platform.dataDir} is not a file`);
    assert.equal((await callAdmin(fixture.platform.url, 'GET', '/admin/v1/deployments/emb-missing')).status, 404);
  });

  it('asks each kind for its own fields', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, id: 'v-1', kind: 'embedded' }, 'source'],
      [{ ...base, id: 'v-2', kind: 'embedded', source: '/m/x.gguf', baseUrl: 'http://h/v1' }, 'baseUrl'],
      [{ ...base, id: 'v-3', kind: 'embedded', source: '/m/x.gguf', upstreamApiKey: 'sk-1' }, 'upstreamApiKey'],
      [{ ...base, id: 'v-4', kind: 'embedded', source: 'models/relative.gguf' }, 'source'],
      [{ ...base, id: 'v-5', kind: 'embedded', source: 'hf:someone/../x.gguf' }, 'source'],
      [{ ...base, id: 'v-6', kind: 'openai', baseUrl: 'http://h/v1', source: '/m/x.gguf' }, 'source'],
      [{ ...base, id: 'v-7', kind: 'openai', baseUrl: 'http://h/v1', engineOptions: { threads: 2 } }, 'engineOptions'],
    ];
    for (const [body, param] of cases) assertAdminError(await post(body), 400, 'invalid_request', param);
    assertAdminError(await patch('dep-0', { source: '/m/x.gguf' }), 400, 'invalid_request', 'source');
    assertAdminError(await patch('emb-1', { baseUrl: 'http://h/v1' }), 400, 'invalid_request', 'baseUrl');
    const unknownOption = await post({
      ...base,
      id: 'v-8',
      kind: 'embedded',
      source: '/m/x.gguf',
      engineOptions: { flashAttention: true },
    });
    assert.equal(unknownOption.status, 400);
    const tooManySequences = await post({
      ...base,
      id: 'v-9',
      kind: 'embedded',
      source: '/m/x.gguf',
      engineOptions: { parallelSequences: 1000 },
    });
    assert.equal(tooManySequences.status, 400);
  });

  it("shows the state of an embedded deployment's engine before its first request", async () => {
    const status = await callAdmin(fixture.platform.url, 'GET', '/admin/v1/deployments/emb-1/status');
    assert.equal(status.status, 200);
    // Unloaded until a request comes; failed from the start where node-llama-cpp is not installed.
    assert.ok(['unloaded', 'failed'].includes(status.body.engine.state), JSON.stringify(status.body));
    assert.equal((await callAdmin(fixture.platform.url, 'GET', '/admin/v1/deployments/nope/status')).status, 404);
  });

  it('creates embedded deployments from the CLI', async () => {
    const args = [
      'deployments',
      'create',
      '--id',
      'emb-cli',
      '--model',
      'fake-model',
      '--site',
      'par-1',
      '--kind',
      'embedded',
    ];
    const engineOptions = ['--engine-options', 'contextSize=1024,gpuLayers=auto,threads=2'];
    const created = await runCli([...args, '--source', modelFile, ...engineOptions, '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(JSON.parse(created.stdout).engineOptions, { contextSize: 1024, gpuLayers: 'auto', threads: 2 });
    const refused = await runCli(
      ['deployments', 'create', '--id', 'emb-bad', '--model', 'fake-model', '--site', 'par-1', '--kind', 'embedded'],
      env,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /400 invalid_request: a deployment of kind "embedded" needs a source/);
  });

  it("pulls into the server's own data directory, whatever the CLI's directory, showing progress", async () => {
    const files = await RangeFileServer.start({ 'tiny-remote.gguf': tinyLlamaGguf() });
    try {
      const pulled = await runCli(['models', 'pull', `${files.origin}/tiny-remote.gguf`, '--no-register'], env);
      assert.equal(pulled.code, 0, pulled.stderr);
      const host = new URL(files.origin).host.replace(':', '_');
      const path = join(fixture.platform.dataDir, 'models', 'url', host, 'tiny-remote.gguf');
      assert.deepEqual(readFileSync(path), tinyLlamaGguf());
      assert.ok(pulled.stderr.includes(`to ${path}`), pulled.stderr);
      assert.match(pulled.stderr, /^[\d.]+ KB \/ [\d.]+ KB {2}100% /m);
      assert.match(pulled.stdout, /^Commonweal tiny test model: llama, [\d,]+ parameters, context 2048/m);
      assert.equal((await callAdmin(fixture.platform.url, 'GET', '/admin/v1/models/tiny-remote')).status, 404);
    } finally {
      await files.close();
    }
  });

  it('fails a pull without network with a clear message, and the server serves on', async () => {
    const mirror = ['--hf-endpoint', 'https://hf-mirror.invalid'];
    const pull = await runCli(['models', 'pull', 'hf:someone/tiny-GGUF/tiny.gguf', ...mirror], env);
    assert.equal(pull.code, 1);
    assert.match(
      pull.stderr,
      /^error: cannot download https:\/\/hf-mirror\.invalid\/someone\/tiny-GGUF\/resolve\/main\/tiny\.gguf: cannot reach hf-mirror\.invalid \((ENOTFOUND|EAI_AGAIN)\)/m,
    );
    assert.doesNotMatch(pull.stderr, /\n\s+at /, 'no stack trace');
    const bad = await runCli(['models', 'pull', 'models/relative.gguf'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: "models\/relative\.gguf" is not a model reference/m);
    const answer = await fixture.client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(answer.choices[0]!.message.content, 'Hello, world!');
  });
});
