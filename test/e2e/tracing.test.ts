import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PermissionDeniedError } from 'openai';
import { callAdmin } from '../helpers/admin-client.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { expectApiError, usageRecordOf } from '../helpers/gateway-calls.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';
import { OtlpReceiver, type ReceivedSpan, spanKind } from '../helpers/otlp-receiver.js';

/*
 * Tracing end to end: a real platform exports its spans over OTLP/HTTP to a collector in
 * this test, the official client sends its own `traceparent`, and fake upstreams record
 * the `traceparent` the gateway sends them.
 */

const chat = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };
/** Requests the failover test may send before the balancer has tried the failing deployment first. */
const failoverRequestsMax = 60;

/** A client's span context, as its `traceparent` carries it (sampled). */
function clientContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function only(spans: readonly ReceivedSpan[], name: string): ReceivedSpan {
  const named = spans.filter((s) => s.name === name);
  assert.equal(named.length, 1, `one "${name}" span among ${spans.map((s) => s.name).join(', ')}`);
  return named[0]!;
}

function rootOf(spans: readonly ReceivedSpan[]): ReceivedSpan {
  const roots = spans.filter((s) => s.kind === spanKind.server);
  assert.equal(roots.length, 1, 'one SERVER span per request');
  return roots[0]!;
}

/** The spans of one request once its root and `count` spans in all have arrived. */
function complete(count: number): (spans: readonly ReceivedSpan[]) => boolean {
  return (spans) => spans.length >= count;
}

function traceparentAt(upstream: FakeUpstream, index: number): string | undefined {
  const seen = upstream.chatRequests()[index]?.headers.traceparent;
  return Array.isArray(seen) ? seen[0] : seen;
}

describe('with tracing on', () => {
  let receiver: OtlpReceiver;
  let fixture: GatewayFixture;

  async function admin(method: 'POST' | 'GET', path: string, body?: unknown): Promise<any> {
    const answer = await callAdmin(
      fixture.platform.url,
      method,
      `/admin/v1${path}`,
      body === undefined ? {} : { body },
    );
    assert.ok(answer.status < 300, `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  before(async () => {
    receiver = await OtlpReceiver.start();
    fixture = await startGatewayFixture({
      upstreamCount: 2,
      config: {
        // Spans leave within milliseconds, so each test waits for its own trace rather than for shutdown.
        tracing: { otlpEndpoint: receiver.tracesUrl, exportDelayMs: 20 },
        // Only requests reach the upstreams, and one failing deployment never leaves rotation.
        gateway: { healthCheckIntervalMs: 600_000, circuitFailuresMax: 1_000 },
      },
    });
  });

  after(async () => {
    await fixture.dispose();
    await receiver.close();
  });

  test("a chat completion's spans join the client's trace, and the upstream gets the attempt's traceparent", async () => {
    const client = clientContext();
    const { data, response } = await fixture.client.chat.completions
      .create({ ...chat, max_tokens: 50 }, { headers: { traceparent: client.traceparent } })
      .withResponse();
    const requestId = response.headers.get('x-request-id') ?? '';
    const spans = await receiver.waitForRequest(requestId, complete(4));
    const root = rootOf(spans);
    assert.equal(root.traceId, client.traceId, "the client's trace is kept");
    assert.equal(root.parentSpanId, client.spanId, "the request's span is a child of the client's");
    assert.equal(root.name, 'chat fake-model');
    const deploymentId = response.headers.get('x-commonweal-deployment');
    const siteId = response.headers.get('x-commonweal-site');
    const record = await usageRecordOf(fixture.platform.url, requestId);
    assert.deepEqual(root.attributes, {
      'http.request.method': 'POST',
      'url.path': '/v1/chat/completions',
      'commonweal.request.id': requestId,
      'commonweal.organization.id': 'acme',
      'commonweal.project.id': 'main',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'fake-model',
      'gen_ai.request.max_tokens': 50,
      'commonweal.policy.version': record?.policyVersion,
      'gen_ai.response.model': 'fake-model',
      'gen_ai.usage.input_tokens': data.usage?.prompt_tokens,
      'gen_ai.usage.output_tokens': data.usage?.completion_tokens,
      'commonweal.site.id': siteId,
      'commonweal.jurisdiction': response.headers.get('x-commonweal-jurisdiction'),
      'http.response.status_code': 200,
    });
    assert.equal(root.resource['service.name'], 'commonweal');
    for (const name of ['admission', 'upstream attempt', 'durable write'])
      assert.equal(only(spans, name).parentSpanId, root.spanId, `"${name}" is a child of the request's span`);
    const attempt = only(spans, 'upstream attempt');
    assert.equal(attempt.kind, spanKind.client);
    assert.deepEqual(attempt.attributes, {
      'commonweal.deployment.id': deploymentId,
      'commonweal.site.id': siteId,
      'gen_ai.request.model': 'fake-model',
      'http.request.resend_count': 0,
      'http.response.status_code': 200,
    });
    const upstream = fixture.upstreams[Number(deploymentId?.slice('dep-'.length))]!;
    const sent = traceparentAt(upstream, upstream.chatRequests().length - 1);
    assert.equal(sent, `00-${client.traceId}-${attempt.spanId}-01`, "the upstream's parent is the attempt span");
  });

  test('a stream is traced until its last event, and a request without traceparent starts a trace', async () => {
    const stream = await fixture.client.chat.completions
      .create({ ...chat, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let usage: { prompt_tokens: number; completion_tokens: number } | null | undefined;
    for await (const chunk of stream.data) usage = chunk.usage ?? usage;
    const spans = await receiver.waitForRequest(stream.response.headers.get('x-request-id') ?? '', complete(4));
    const root = rootOf(spans);
    assert.equal(root.parentSpanId, '', 'no client span: the request starts the trace');
    assert.equal(root.attributes['gen_ai.usage.output_tokens'], usage?.completion_tokens);
    assert.equal(only(spans, 'upstream attempt').attributes['http.response.status_code'], 200);

    const embedding = await fixture.client.embeddings.create({ model: 'fake-model', input: 'hi' }).withResponse();
    const embeddingSpans = await receiver.waitForRequest(
      embedding.response.headers.get('x-request-id') ?? '',
      complete(4),
    );
    const embeddingRoot = rootOf(embeddingSpans);
    assert.equal(embeddingRoot.name, 'embeddings fake-model');
    assert.equal(embeddingRoot.attributes['gen_ai.operation.name'], 'embeddings');
  });

  test('a failover is two attempt spans, and each upstream got the traceparent of its own attempt', async () => {
    const [alive, dead] = fixture.upstreams as [FakeUpstream, FakeUpstream];
    dead.fault = { kind: 'status', statusCode: 503 };
    try {
      for (let i = 0; i < failoverRequestsMax; i++) {
        const deadSeen = dead.chatRequests().length;
        const client = clientContext();
        const { response } = await fixture.client.chat.completions
          .create(chat, { headers: { traceparent: client.traceparent } })
          .withResponse();
        assert.equal(response.headers.get('x-commonweal-deployment'), 'dep-0');
        if (dead.chatRequests().length === deadSeen) continue;
        const spans = await receiver.waitForRequest(response.headers.get('x-request-id') ?? '', complete(5));
        const attempts = spans
          .filter((s) => s.name === 'upstream attempt')
          .sort(
            (a, b) =>
              Number(a.attributes['http.request.resend_count']) - Number(b.attributes['http.request.resend_count']),
          );
        assert.deepEqual(
          attempts.map((a) => [
            a.attributes['commonweal.deployment.id'],
            a.attributes['http.request.resend_count'],
            a.attributes['http.response.status_code'],
            a.attributes['error.type'],
            a.statusCode,
          ]),
          [
            ['dep-1', 0, 503, '503', 2],
            ['dep-0', 1, 200, undefined, 0],
          ],
        );
        assert.equal(traceparentAt(dead, deadSeen), `00-${client.traceId}-${attempts[0]!.spanId}-01`);
        assert.equal(
          traceparentAt(alive, alive.chatRequests().length - 1),
          `00-${client.traceId}-${attempts[1]!.spanId}-01`,
        );
        assert.equal(rootOf(spans).attributes['http.response.status_code'], 200);
        return;
      }
      assert.fail(`the failing deployment was never tried first in ${failoverRequestsMax} requests`);
    } finally {
      dead.fault = null;
    }
  });

  test('a policy refusal records the rule and the policy version; a rule that holds back a site does too', async () => {
    await admin('POST', '/models', { id: 'denied-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
    await admin('POST', '/models', { id: 'held-model', inputPriceMicroPerMtok: 1, outputPriceMicroPerMtok: 1 });
    const [fra, par] = fixture.upstreams as [FakeUpstream, FakeUpstream];
    for (const [id, modelId, siteId, upstream] of [
      ['dep-denied', 'denied-model', 'fra-1', fra],
      ['dep-held-de', 'held-model', 'fra-1', fra],
      ['dep-held-fr', 'held-model', 'par-1', par],
    ] as const)
      await admin('POST', '/deployments', { id, modelId, siteId, kind: 'openai', baseUrl: upstream.baseUrl });
    await admin('POST', '/policy/rules', {
      id: 'no-denied-model',
      effect: 'deny',
      match: { modelIds: { in: ['denied-model'] } },
      reason: 'not served here',
    });
    await admin('POST', '/policy/rules', {
      id: 'held-model-not-in-fr',
      effect: 'deny',
      match: { modelIds: { in: ['held-model'] }, siteJurisdictions: { in: ['FR'] } },
      reason: 'export control',
    });

    const client = clientContext();
    const refused = await expectApiError(
      fixture.client.chat.completions.create(
        { ...chat, model: 'denied-model' },
        { headers: { traceparent: client.traceparent } },
      ),
      PermissionDeniedError,
      403,
      'policy_denied',
    );
    const requestId = refused.headers?.get('x-request-id') ?? '';
    const spans = await receiver.waitForRequest(requestId, complete(2));
    const root = rootOf(spans);
    const record = await usageRecordOf(fixture.platform.url, requestId);
    assert.equal(root.traceId, client.traceId);
    assert.ok(typeof record?.policyVersion === 'number');
    assert.deepEqual(
      [
        root.attributes['commonweal.policy.rule'],
        root.attributes['commonweal.policy.version'],
        root.attributes['error.type'],
        root.attributes['http.response.status_code'],
      ],
      ['no-denied-model', record.policyVersion, 'policy_denied', 403],
    );
    assert.deepEqual(spans.map((s) => s.name).sort(), ['chat denied-model', 'durable write'], 'no upstream attempt');

    const held = await fixture.client.chat.completions.create({ ...chat, model: 'held-model' }).withResponse();
    assert.equal(held.response.headers.get('x-commonweal-deployment'), 'dep-held-de');
    const heldSpans = await receiver.waitForRequest(held.response.headers.get('x-request-id') ?? '', complete(4));
    const heldRoot = rootOf(heldSpans);
    assert.equal(heldRoot.attributes['commonweal.policy.rule'], 'held-model-not-in-fr');
    assert.equal(heldRoot.attributes['error.type'], undefined);
  });
});

test('with tracing off, nothing is traced and no traceparent reaches the upstream', async () => {
  const fixture = await startGatewayFixture({ config: { gateway: { healthCheckIntervalMs: 600_000 } } });
  try {
    const client = clientContext();
    await fixture.client.chat.completions.create(chat, { headers: { traceparent: client.traceparent } });
    const upstream = fixture.upstreams[0]!;
    assert.equal(upstream.chatRequests().length, 1);
    assert.equal(traceparentAt(upstream, 0), undefined);
  } finally {
    await fixture.dispose();
  }
});
