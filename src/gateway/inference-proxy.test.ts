import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough, Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { request } from 'undici';
import { ExchangeDigest, TransparencyLog } from '../audit/index.js';
import { DeploymentRepository, ModelRepository, SiteRepository } from '../catalog/index.js';
import { serverConfigDefaults } from '../config/index.js';
import { type Engine, type UpstreamCall, UpstreamFailure, type UpstreamResponse } from '../engines/index.js';
import { CommonwealError } from '../errors/index.js';
import { gatewayOptions } from '../gateway-options.js';
import { UsageRepository } from '../metering/index.js';
import { PolicyEngine } from '../policy/index.js';
import { Balancer, DeploymentRegistry, RetryPolicy } from '../routing/index.js';
import { SecretBox } from '../secrets/index.js';
import { GroupCommitWriter, openSqliteStore, type Store } from '../store/index.js';
import { ApiKeyRepository } from '../tenancy/index.js';
import { crashOnInvariantViolation } from '../../test/helpers/crash-on-invariant-violation.js';
import { policyState } from '../../test/helpers/policy-state-builder.js';
import { completionLengthOf } from './completion-length.js';
import { InferenceCatalog } from './inference-catalog.js';
import { InferenceProxy } from './inference-proxy.js';
import type { InferenceRequest } from './inference-request.js';

/*
 * The proxy in this process with its real collaborators (catalog, balancer, retry policy,
 * a SQLite store written through the group-commit writer) and upstream engines faked in
 * memory, behind the Engine interface: no socket reaches an upstream. The client side is
 * a real HTTP server on an ephemeral port, as the gateway's handler drives the proxy.
 */

const options = gatewayOptions(serverConfigDefaults.gateway);
const caller = { keyId: 'key_1', organizationId: 'org_1', projectId: 'prj_1' };
const modelId = 'llama';
const upstreamModel = 'meta-llama/Llama-3.1-8B-Instruct';
const deploymentIds = ['dep-a', 'dep-b'] as const;

type Answer = (call: UpstreamCall, deploymentId: string) => Promise<UpstreamResponse>;

/** An engine whose answers each test scripts; it counts the calls it was sent. */
class ScriptedEngine implements Engine {
  calls = 0;
  constructor(
    readonly deploymentId: string,
    readonly script: { answer: Answer },
  ) {}

  send(call: UpstreamCall): Promise<UpstreamResponse> {
    this.calls += 1;
    return this.script.answer(call, this.deploymentId);
  }

  probe(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function jsonAnswer(): Promise<UpstreamResponse> {
  const answer = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: upstreamModel,
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
  };
  const body = Readable.from([Buffer.from(JSON.stringify(answer))]);
  return Promise.resolve({ statusCode: 200, headers: { 'content-type': 'application/json' }, body });
}

/** The first event of a streamed answer, naming `model`. */
const firstEvent = (model: string) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    model,
    choices: [{ index: 0, delta: { content: 'Hel' } }],
  })}\n\n`;

/** A stream that sends one event, then waits; aborting the call destroys it, as a real engine's body is. */
function streamAfterOneEvent(call: UpstreamCall): { response: UpstreamResponse; body: PassThrough } {
  const body = new PassThrough();
  call.signal.addEventListener('abort', () => body.destroy(call.signal.reason as Error), { once: true });
  body.write(firstEvent(upstreamModel));
  return { response: { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, body }, body };
}

interface Served {
  readonly requestId: string;
  /** The request's usage record as another connection saw it when the answer's last byte was handed over. */
  readonly outcomeAtEnd: string | undefined;
}

describe('InferenceProxy', () => {
  let dir: string;
  let store: Store;
  let writer: GroupCommitWriter;
  let reader: BetterSqlite3.Database;
  let registry: DeploymentRegistry;
  let server: Server;
  let url: string;
  const script: { answer: Answer } = { answer: () => jsonAnswer() };
  const engines = new Map(deploymentIds.map((id) => [id as string, new ScriptedEngine(id, script)]));
  /** The last request the server handed to the proxy, once `serve` has returned. */
  let served: Promise<Served> | undefined;
  let requestCount = 0;

  before(async () => {
    crashOnInvariantViolation();
    dir = mkdtempSync(join(tmpdir(), 'commonweal-proxy-'));
    const path = join(dir, 'commonweal.sqlite');
    store = await openSqliteStore(path);
    writer = new GroupCommitWriter(store);
    reader = new BetterSqlite3(path, { readonly: true });
    const sources = {
      apiKeys: new ApiKeyRepository(store),
      models: new ModelRepository(store),
      sites: new SiteRepository(store),
      deployments: new DeploymentRepository(store, new SecretBox(randomBytes(32))),
    };
    await writer.submit(async (tx) => {
      await sources.sites.create(tx, { id: 'site-1', name: 'Site one', jurisdiction: 'FR' });
      await sources.models.create(tx, { id: modelId, inputPriceMicroPerMtok: 0, outputPriceMicroPerMtok: 0 });
      for (const id of deploymentIds) {
        const baseUrl = `http://${id}.invalid/v1`;
        await sources.deployments.create(tx, { id, modelId, siteId: 'site-1', kind: 'openai', baseUrl, upstreamModel });
      }
    });
    registry = new DeploymentRegistry((item) => engines.get(item.deployment.id)!, { breaker: options.breaker });
    const policy = new PolicyEngine('open');
    // The caller's organization, as the policy service would load it; with no policy of its own it may use any site.
    policy.useState(policyState({}), [{ id: caller.organizationId, homeJurisdiction: 'FR' }]);
    const catalog = new InferenceCatalog(sources, registry, (problem) => assert.fail(String(problem.error)), policy);
    await catalog.reload();
    const proxy = new InferenceProxy({
      catalog,
      balancer: new Balancer(),
      retry: new RetryPolicy(options.retry),
      writer,
      settlement: { usage: new UsageRepository(store), receipts: new TransparencyLog(store) },
      responseSizeBytesMax: serverConfigDefaults.gateway.responseSizeBytesMax,
      log: pino({ level: 'silent' }),
    });
    const findOutcome = reader.prepare<[string], { outcome: string }>('select outcome from usage_records where id = ?');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const inference = inferenceRequest(catalog, policy, raw, res);
        let outcomeAtEnd: string | undefined;
        // Read synchronously, on a connection of its own, at the very call that sends the last
        // byte: a record committed even a moment later would be missing here.
        const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
        res.end = ((chunk?: unknown) => {
          outcomeAtEnd = findOutcome.get(inference.requestId)?.outcome;
          return end(chunk);
        }) as ServerResponse['end'];
        served = proxy.serve(inference, res).then(() => ({ requestId: inference.requestId, outcomeAtEnd }));
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  });

  beforeEach(() => {
    for (const engine of engines.values()) engine.calls = 0;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await registry.close();
    await writer.close();
    reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The request as the gateway's handler builds it from an authenticated client's body. */
  function inferenceRequest(
    catalog: InferenceCatalog,
    policy: PolicyEngine,
    raw: Buffer,
    res: ServerResponse,
  ): InferenceRequest {
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    const model = catalog.model(modelId)!;
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new CommonwealError('invalid_request', 'the client closed the request'));
    });
    requestCount += 1;
    return {
      requestId: `req_proxy_${requestCount}`,
      startedAtMs: performance.now(),
      caller,
      endpoint: 'chat.completions',
      path: '/v1/chat/completions',
      model,
      body,
      bodySizeBytes: raw.length,
      completion: completionLengthOf(body, 'chat.completions', model.contextLength),
      digest: new ExchangeDigest(raw),
      stream: body.stream === true,
      clientWantsUsage: false,
      signal: abort.signal,
      policy: policy.decide(caller.organizationId, caller.projectId, modelId),
      hold: null,
      meteredTokens: null,
      recorded: null,
      upstreamWaitMs: null,
      span: null,
    };
  }

  function post(stream: boolean, signal?: AbortSignal) {
    const body = JSON.stringify({ model: modelId, messages: [{ role: 'user', content: 'hi' }], stream });
    return request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal });
  }

  function storedRecord(requestId: string) {
    return store.db.selectFrom('usageRecords').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
  }

  const callsByDeployment = () => Object.fromEntries(Array.from(engines, ([id, engine]) => [id, engine.calls]));
  const totalCalls = () => Array.from(engines.values()).reduce((sum, engine) => sum + engine.calls, 0);

  it('relays a JSON answer under the catalog model name, its usage durable before the answer ends', async () => {
    script.answer = () => jsonAnswer();
    const response = await post(false);
    const answer = (await response.body.json()) as { model: string; choices: { message: { content: string } }[] };
    const { requestId, outcomeAtEnd } = await served!;
    assert.equal(response.statusCode, 200);
    assert.equal(answer.model, modelId, 'the upstream name stays behind the gateway');
    assert.equal(answer.choices[0]?.message.content, 'Hello!');
    assert.equal(response.headers['x-commonweal-receipt'], requestId);
    assert.equal(outcomeAtEnd, 'success', 'the record was readable by another connection when the body ended');
    const record = await storedRecord(requestId);
    assert.equal(record.deploymentId, response.headers['x-commonweal-deployment']);
    assert.deepEqual([record.promptTokens, record.completionTokens, record.status], [9, 3, 200]);
  });

  it('fails over to another deployment when the first throws before answering', async () => {
    let attempts = 0;
    script.answer = (_call, deploymentId) => {
      attempts += 1;
      if (attempts === 1) return Promise.reject(new UpstreamFailure('unreachable', deploymentId, options.upstream));
      return jsonAnswer();
    };
    const response = await post(false);
    await response.body.json();
    const { requestId } = await served!;
    assert.equal(response.statusCode, 200);
    assert.deepEqual(callsByDeployment(), { 'dep-a': 1, 'dep-b': 1 });
    const record = await storedRecord(requestId);
    assert.equal(record.outcome, 'success');
    assert.equal(record.deploymentId, response.headers['x-commonweal-deployment']);
  });

  it('does not fail over once the first byte of a stream has gone out', async () => {
    let breakUpstream = () => {};
    script.answer = (call, deploymentId) => {
      const { response, body } = streamAfterOneEvent(call);
      // A retryable kind, had it come before the first byte.
      breakUpstream = () => body.destroy(new UpstreamFailure('connection_lost', deploymentId, options.upstream));
      return Promise.resolve(response);
    };
    const response = await post(true);
    let text = '';
    for await (const chunk of response.body) {
      text += String(chunk);
      // The first event reached the client; the upstream connection breaks now.
      breakUpstream();
    }
    const { requestId } = await served!;
    assert.equal(response.statusCode, 200);
    assert.ok(text.startsWith(firstEvent(modelId)), text);
    assert.match(text, /"code":"upstream_error"/);
    assert.equal(totalCalls(), 1, 'no second deployment was asked');
    const record = await storedRecord(requestId);
    assert.deepEqual(
      [record.outcome, record.errorCode, record.deploymentId],
      ['upstream_error', 'upstream_error', response.headers['x-commonweal-deployment']],
    );
  });

  it('records a client that goes away mid-stream as client_aborted', async () => {
    script.answer = (call) => Promise.resolve(streamAfterOneEvent(call).response);
    const client = new AbortController();
    const response = await post(true, client.signal);
    for await (const _chunk of response.body) {
      client.abort();
      break;
    }
    const { requestId } = await served!;
    const record = await storedRecord(requestId);
    assert.deepEqual(
      [record.outcome, record.status, record.errorCode],
      ['client_aborted', 499, 'client_closed_request'],
    );
    assert.equal(totalCalls(), 1);
  });
});
