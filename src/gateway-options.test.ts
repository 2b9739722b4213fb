import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ServerConfig, serverConfigDefaults } from './config/index.js';
import { gatewayOptions } from './gateway-options.js';

describe('gatewayOptions', () => {
  it('hands every gateway key to the one option it sets, none swapped', () => {
    // Distinct values, so that a key read into the wrong option shows.
    const keys = Object.keys(serverConfigDefaults.gateway) as (keyof ServerConfig['gateway'])[];
    const gateway = Object.fromEntries(keys.map((key, i) => [key, 1_000 + i])) as ServerConfig['gateway'];
    const options = gatewayOptions(gateway);
    assert.deepEqual(options, {
      upstream: {
        connectTimeoutMs: gateway.connectTimeoutMs,
        firstByteTimeoutMs: gateway.firstByteTimeoutMs,
        idleTimeoutMs: gateway.idleTimeoutMs,
        totalTimeoutMs: gateway.totalTimeoutMs,
        connectionsMax: gateway.connectionsPerDeploymentMax,
        queuedCallsMax: gateway.queuedCallsPerDeploymentMax,
      },
      breaker: { failuresMax: gateway.circuitFailuresMax, openMs: gateway.circuitOpenMs },
      healthCheck: { intervalMs: gateway.healthCheckIntervalMs, timeoutMs: gateway.healthCheckTimeoutMs },
      retry: { attemptsMax: gateway.attemptsMax },
    });
  });
});
