import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { FakeUpstream } from '../../test/helpers/fake-upstream.js';
import { serverConfigDefaults } from '../config/index.js';
import { type Engine, OpenAiUpstreamEngine } from '../engines/index.js';
import { gatewayOptions } from '../gateway-options.js';
import { DeploymentStats } from './deployment-stats.js';
import { HealthChecker, type HealthCheckTarget } from './health-checker.js';

const defaults = gatewayOptions(serverConfigDefaults.gateway);
const statsOptions = { latencySmoothing: 0.2, breaker: { failuresMax: 1, openMs: 60_000, probesMax: 1 } };

async function refusedBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

describe('HealthChecker', () => {
  let fake: FakeUpstream;
  let engines: Engine[] = [];

  before(async () => {
    fake = await FakeUpstream.start();
  });

  afterEach(async () => {
    fake.fault = null;
    await Promise.all(engines.map((engine) => engine.close()));
    engines = [];
  });

  after(async () => {
    await fake.close();
  });

  function target(id: string, baseUrl = fake.baseUrl, enabled = true): HealthCheckTarget {
    const engine = new OpenAiUpstreamEngine({ deploymentId: id, baseUrl, upstreamApiKey: null }, defaults.upstream);
    engines.push(engine);
    return { deployment: { id, enabled }, engine, stats: new DeploymentStats(statsOptions) };
  }

  it('counts a failed check as a failure and reports every verdict', async () => {
    const healthy = target('healthy');
    const dead = target('dead', await refusedBaseUrl());
    const verdicts = new Map<string, unknown>();
    const checker = new HealthChecker(
      () => [healthy, dead],
      defaults.healthCheck,
      (id, f) => verdicts.set(id, f),
    );
    await checker.checkNow();
    assert.equal(healthy.stats.breaker.state, 'closed');
    assert.equal(dead.stats.breaker.state, 'open');
    assert.equal(verdicts.get('healthy'), undefined);
    assert.ok(verdicts.has('healthy'));
    assert.match(String(verdicts.get('dead')), /could not be reached/);
  });

  it('counts an error status as a failure', async () => {
    fake.fault = { kind: 'status', statusCode: 500 };
    const sick = target('sick');
    await new HealthChecker(() => [sick], defaults.healthCheck).checkNow();
    assert.equal(sick.stats.breaker.state, 'open');
  });

  it('turns an open circuit half-open when the check passes', async () => {
    const recovered = target('recovered');
    recovered.stats.onFailure();
    assert.equal(recovered.stats.breaker.state, 'open');
    await new HealthChecker(() => [recovered], defaults.healthCheck).checkNow();
    assert.equal(recovered.stats.breaker.state, 'half_open');
  });

  it('leaves disabled deployments alone', async () => {
    const requestsBefore = fake.requests.length;
    await new HealthChecker(() => [target('off', fake.baseUrl, false)], defaults.healthCheck).checkNow();
    assert.equal(fake.requests.length, requestsBefore);
  });

  it('runs at most concurrencyMax checks at once and times each out', async () => {
    fake.fault = { kind: 'hang_before_headers' };
    let inFlight = 0;
    let inFlightMax = 0;
    const targets = Array.from({ length: 5 }, (_, i) => {
      const inner = target(`slow-${i}`);
      const probe = async (signal: AbortSignal): Promise<void> => {
        inFlight += 1;
        inFlightMax = Math.max(inFlightMax, inFlight);
        try {
          await inner.engine.probe(signal);
        } finally {
          inFlight -= 1;
        }
      };
      return { ...inner, engine: { probe } };
    });
    await new HealthChecker(() => targets, { intervalMs: 10_000, timeoutMs: 50, concurrencyMax: 2 }).checkNow();
    assert.equal(inFlightMax, 2);
    for (const t of targets) assert.equal(t.stats.breaker.state, 'open');
  });

  it('checks again and again once started, until stopped', async () => {
    const requestsBefore = fake.requests.length;
    const steady = target('steady');
    const checker = new HealthChecker(() => [steady], { intervalMs: 5, timeoutMs: 1_000, concurrencyMax: 1 });
    checker.start();
    await fake.waitForRequests(requestsBefore + 3);
    await checker.stop();
  });

  it('cancels the checks in flight on stop, and counts them for nothing', async () => {
    fake.fault = { kind: 'hang_before_headers' };
    const closesBefore = fake.earlyCloses;
    const hanging = target('hanging');
    const checker = new HealthChecker(() => [hanging], { intervalMs: 10_000, timeoutMs: 60_000, concurrencyMax: 1 });
    checker.start();
    await fake.waitForRequests(fake.requests.length + 1);
    await checker.stop();
    assert.equal(hanging.stats.breaker.state, 'closed');
    await fake.waitForEarlyCloses(closesBefore + 1);
  });
});
