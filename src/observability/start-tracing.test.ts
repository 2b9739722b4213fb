import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { OtlpReceiver } from '../../test/helpers/otlp-receiver.js';
import { startTracing, type Tracing } from './start-tracing.js';
import type { TracingOptions } from './tracing-options.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const clientSpanId = '00f067aa0ba902b7';

let receiver: OtlpReceiver;

before(async () => {
  receiver = await OtlpReceiver.start();
});

after(() => receiver.close());

const exportFailures: number[] = [];

/** A tracer whose queue is exported only at shutdown: no export is due for ten minutes. */
function tracing(options: Partial<TracingOptions> = {}): Tracing {
  return startTracing(
    {
      otlpEndpoint: receiver.tracesUrl,
      sampleRatio: 1,
      queuedSpansMax: 100,
      exportDelayMs: 600_000,
      exportTimeoutMs: 10_000,
      serviceVersion: 'test',
      ...options,
    },
    (_error, spanCount) => exportFailures.push(spanCount),
  );
}

/** Traces one request that makes one upstream attempt; returns the headers the attempt would send. */
function traceOneRequest(tracer: Tracing, requestId: string, headers: Record<string, string>): Record<string, string> {
  const span = tracer.tracer.startRequest({ headers, method: 'POST', path: '/v1/chat/completions', requestId });
  const attempt = span.startAttempt({ deploymentId: 'dep', siteId: 'site', upstreamModel: 'm', resendCount: 0 });
  const sent: Record<string, string> = {};
  attempt.addHeaders(sent);
  attempt.end({ statusCode: 200 });
  span.end(200);
  return sent;
}

function spansOf(requestId: string) {
  const root = receiver.spans.find((s) => s.attributes['commonweal.request.id'] === requestId);
  return root === undefined ? [] : receiver.spans.filter((s) => s.traceId === root.traceId);
}

test('ended spans wait in the queue, and shutdown exports them', async () => {
  const tracer = tracing();
  traceOneRequest(tracer, 'req_queued', {});
  assert.deepEqual(spansOf('req_queued'), [], 'nothing is exported before the delay or a full batch');
  await tracer.shutdown();
  assert.deepEqual(
    spansOf('req_queued')
      .map((s) => s.name)
      .sort(),
    ['POST', 'upstream attempt'],
  );
});

test("a client's unsampled trace is followed: nothing is recorded, yet the upstream gets the trace and its state", async () => {
  const tracer = tracing();
  const sent = traceOneRequest(tracer, 'req_unsampled', {
    traceparent: `00-${traceId}-${clientSpanId}-00`,
    tracestate: 'vendor=opaque',
  });
  await tracer.shutdown();
  assert.deepEqual(spansOf('req_unsampled'), []);
  assert.match(sent.traceparent ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
  assert.notEqual(sent.traceparent, `00-${traceId}-${clientSpanId}-00`, 'the attempt is a span of its own');
  assert.equal(sent.tracestate, 'vendor=opaque');
});

test('at sample ratio 0 a request without a parent is not traced, and one with a sampled parent is', async () => {
  const tracer = tracing({ sampleRatio: 0 });
  const unsampled = traceOneRequest(tracer, 'req_ratio_zero', {});
  traceOneRequest(tracer, 'req_sampled_parent', { traceparent: `00-${traceId}-${clientSpanId}-01` });
  await tracer.shutdown();
  assert.deepEqual(spansOf('req_ratio_zero'), []);
  assert.match(unsampled.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/, 'the decision travels upstream');
  const followed = spansOf('req_sampled_parent');
  assert.equal(followed.length, 2);
  assert.ok(followed.every((s) => s.traceId === traceId));
});

test('a malformed traceparent is ignored: the request starts a trace of its own', async () => {
  const tracer = tracing();
  traceOneRequest(tracer, 'req_malformed', { traceparent: `00-${'0'.repeat(32)}-${clientSpanId}-01` });
  await tracer.shutdown();
  const spans = spansOf('req_malformed');
  assert.equal(spans.length, 2);
  const root = spans.find((s) => s.name === 'POST');
  assert.equal(root?.parentSpanId, '');
  assert.notEqual(root?.traceId, '0'.repeat(32));
});

test('a batch the collector cannot take is reported, with its span count', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const tracer = tracing({ otlpEndpoint: `http://127.0.0.1:${port}/v1/traces`, exportTimeoutMs: 2_000 });
  const failuresBefore = exportFailures.length;
  traceOneRequest(tracer, 'req_unreachable', {});
  await tracer.shutdown();
  assert.deepEqual(exportFailures.slice(failuresBefore), [2]);
});
