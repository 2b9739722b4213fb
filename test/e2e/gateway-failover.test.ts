import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { APIConnectionError, APIError } from 'openai';
import type { TempPlatformConfig } from '../helpers/temp-platform.js';
import { type GatewayFixture, startGatewayFixture } from '../helpers/gateway-fixture.js';

const requestCount = 40;
/** How many requests a recovery test sends, a short pause apart, before it gives up. */
const recoveryAttemptsMax = 200;
const chatBody = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };

async function withFixture(config: TempPlatformConfig, run: (fixture: GatewayFixture) => Promise<void>): Promise<void> {
  const fixture = await startGatewayFixture({ upstreamCount: 2, config });
  try {
    await run(fixture);
  } finally {
    await fixture.dispose();
  }
}

/** Sends one chat completion, which must succeed, and returns the deployment that answered. */
async function servedBy(fixture: GatewayFixture): Promise<string> {
  const { data, response } = await fixture.client.chat.completions.create(chatBody).withResponse();
  assert.equal(data.choices[0]?.message.content, 'Hello, world!');
  return response.headers.get('x-commonweal-deployment') ?? '';
}

/** Sends requests a short pause apart until dep-1 answers one; fails if it never does. */
async function untilDep1Serves(fixture: GatewayFixture): Promise<void> {
  for (let attempt = 1; attempt <= recoveryAttemptsMax; attempt++) {
    if ((await servedBy(fixture)) === 'dep-1') return;
    await sleep(25);
  }
  assert.fail(`dep-1 got no traffic back within ${recoveryAttemptsMax} requests`);
}

test('with one deployment answering 503, every request succeeds and the dead one is cut off after failuresMax failures', async () => {
  const failuresMax = 3;
  // No health checks and a long cool-down: only requests open the circuit, and nothing closes it.
  await withFixture(
    { gateway: { healthCheckIntervalMs: 600_000, circuitFailuresMax: failuresMax, circuitOpenMs: 600_000 } },
    async (fixture) => {
      const alive = fixture.upstreams[0]!;
      const dead = fixture.upstreams[1]!;
      dead.fault = { kind: 'status', statusCode: 503 };
      for (let i = 0; i < requestCount; i++)
        assert.equal(await servedBy(fixture), 'dep-0', `request ${i} was answered by the live deployment`);
      // Without a breaker the balancer would have sent it about half of them.
      assert.equal(
        dead.chatRequests().length,
        failuresMax,
        'the dead deployment got exactly failuresMax requests, then none',
      );
      for (let i = 0; i < requestCount / 2; i++) await servedBy(fixture);
      assert.equal(dead.chatRequests().length, failuresMax, 'an open circuit sends it nothing');
      assert.equal(alive.chatRequests().length, requestCount + requestCount / 2);
    },
  );
});

test('after the cool-down a half-open probe finds the recovered deployment and traffic returns to it', async () => {
  const failuresMax = 2;
  await withFixture(
    { gateway: { healthCheckIntervalMs: 600_000, circuitFailuresMax: failuresMax, circuitOpenMs: 300 } },
    async (fixture) => {
      const dead = fixture.upstreams[1]!;
      dead.fault = { kind: 'status', statusCode: 503 };
      for (let i = 0; i < requestCount && dead.chatRequests().length < failuresMax; i++)
        assert.equal(await servedBy(fixture), 'dep-0');
      assert.equal(dead.chatRequests().length, failuresMax, 'the circuit opened');
      dead.fault = null;
      await untilDep1Serves(fixture);
      // Closed again: the balancer spreads traffic over both once more.
      const served = new Set<string>();
      for (let i = 0; i < requestCount && served.size < 2; i++) served.add(await servedBy(fixture));
      assert.deepEqual([...served].sort(), ['dep-0', 'dep-1']);
    },
  );
});

test('a passing health check reopens a recovered deployment long before its cool-down ends', async () => {
  // The cool-down outlasts the whole test: only the health checker can let dep-1 back in.
  await withFixture(
    { gateway: { healthCheckIntervalMs: 100, circuitFailuresMax: 2, circuitOpenMs: 600_000 } },
    async (fixture) => {
      const dead = fixture.upstreams[1]!;
      dead.fault = { kind: 'status', statusCode: 503 };
      for (let i = 0; i < requestCount; i++) assert.equal(await servedBy(fixture), 'dep-0');
      const cutOffAt = dead.chatRequests().length;
      assert.ok(cutOffAt <= 2, `at most failuresMax requests reached the dead deployment, got ${cutOffAt}`);
      dead.fault = null;
      await untilDep1Serves(fixture);
      assert.ok(dead.chatRequests().length > cutOffAt);
    },
  );
});

test('with one deployment refusing connections, every request succeeds on the other', async () => {
  await withFixture({ gateway: { healthCheckIntervalMs: 600_000 } }, async (fixture) => {
    await fixture.upstreams[1]!.close();
    const served = new Map<string, number>();
    for (let i = 0; i < requestCount; i++) {
      const deployment = await servedBy(fixture);
      served.set(deployment, (served.get(deployment) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(served), { 'dep-0': requestCount });
    let text = '';
    for await (const chunk of await fixture.client.chat.completions.create({ ...chatBody, stream: true }))
      text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello, world!');
  });
});

test('a stream that fails after its first byte is not retried: the upstreams see exactly one request', async () => {
  await withFixture({ gateway: { healthCheckIntervalMs: 600_000 } }, async (fixture) => {
    for (const upstream of fixture.upstreams) upstream.fault = { kind: 'crash_mid_stream', chunksBefore: 2 };
    const stream = await fixture.client.chat.completions.create({ ...chatBody, stream: true });
    let text = '';
    let failure: unknown;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    } catch (error) {
      failure = error;
    }
    assert.ok(failure instanceof APIError && !(failure instanceof APIConnectionError), String(failure));
    assert.equal(failure.code, 'upstream_error');
    assert.equal(text, 'Hello');
    const counts = fixture.upstreams.map((u) => u.chatRequests().length);
    assert.equal(counts[0]! + counts[1]!, 1, `one request in all, got ${counts.join(' + ')}`);

    // Before the first byte the same request is retried: a 503 on one deployment is answered by the other.
    fixture.upstreams[0]!.fault = { kind: 'status', statusCode: 503 };
    fixture.upstreams[1]!.fault = null;
    for (let i = 0; i < 10; i++) assert.equal(await servedBy(fixture), 'dep-1');
  });
});
