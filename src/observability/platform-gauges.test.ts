import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { registerPlatformGauges } from './platform-gauges.js';
import type { DeploymentReading, PlatformReadings } from './platform-readings.js';

function readingsOf(deployments: DeploymentReading[]): PlatformReadings {
  return {
    deployments: () => deployments,
    writeQueueLength: () => 3,
    creditsReservedMicro: () => 1_500,
    pendingHolds: () => 2,
    logSize: async () => 42,
    checkpointAgeSeconds: async () => undefined,
  };
}

test('the gauges read the platform at scrape time, and forget a deployment that is gone', async () => {
  const deployments: DeploymentReading[] = [
    { id: 'proxy', circuitState: 'open', requestsInFlight: 4, healthy: false },
    {
      id: 'local',
      circuitState: 'closed',
      requestsInFlight: 1,
      healthy: undefined,
      engine: { state: 'ready', requestsRunning: 1, requestsWaiting: 5 },
    },
  ];
  const registry = new Registry();
  registerPlatformGauges(registry, readingsOf(deployments));
  const text = await registry.metrics();
  for (const line of [
    'commonweal_upstream_up{deployment="proxy"} 0',
    'commonweal_upstream_circuit_state{deployment="proxy",state="open"} 1',
    'commonweal_upstream_circuit_state{deployment="proxy",state="closed"} 0',
    'commonweal_upstream_requests_in_flight{deployment="proxy"} 4',
    'commonweal_engine_state{deployment="local",state="ready"} 1',
    'commonweal_engine_state{deployment="local",state="failed"} 0',
    'commonweal_engine_queue_length{deployment="local"} 5',
    'commonweal_engine_requests_running{deployment="local"} 1',
    'commonweal_store_write_queue_length 3',
    'commonweal_credits_reserved_micro 1500',
    'commonweal_ledger_holds_pending 2',
    'commonweal_transparency_log_size 42',
  ])
    assert.ok(text.split('\n').includes(line), `missing: ${line}`);
  assert.doesNotMatch(text, /commonweal_upstream_up\{deployment="local"\}/, 'not health-checked yet');
  assert.doesNotMatch(text, /commonweal_engine_\w+\{deployment="proxy"/, 'a proxy has no engine of its own');
  // prom-client writes NaN as `Nan`; Prometheus reads either spelling.
  assert.match(text, /^commonweal_transparency_checkpoint_age_seconds nan$/im, 'no checkpoint yet');

  deployments.splice(0, 1);
  assert.doesNotMatch(await registry.metrics(), /deployment="proxy"/);
});
