import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverConfigDefaults } from '../config/index.js';
import { UpstreamFailure, type UpstreamFailureKind } from '../engines/index.js';
import { gatewayOptions } from '../gateway-options.js';
import { RetryPolicy } from './retry-policy.js';

const defaults = gatewayOptions(serverConfigDefaults.gateway);

function failure(kind: UpstreamFailureKind): { error: UpstreamFailure } {
  return { error: new UpstreamFailure(kind, 'dep-1', defaults.upstream) };
}

describe('RetryPolicy', () => {
  const policy = new RetryPolicy({ attemptsMax: 3 });

  it('retries unavailable upstreams and connection failures', () => {
    for (const statusCode of [429, 502, 503, 504]) assert.ok(policy.shouldRetry(1, { statusCode }), String(statusCode));
    for (const kind of [
      'unreachable',
      'connect_timeout',
      'connection_lost',
      'overloaded',
      'closed',
      'unavailable',
    ] as const) {
      assert.ok(policy.shouldRetry(1, failure(kind)), kind);
    }
  });

  it('passes answers about the request itself through', () => {
    for (const statusCode of [200, 400, 401, 403, 404, 413, 422, 500])
      assert.equal(policy.shouldRetry(1, { statusCode }), false, String(statusCode));
  });

  it('does not retry timeouts after the request reached the upstream', () => {
    for (const kind of ['first_byte_timeout', 'idle_timeout', 'total_timeout', 'bad_response'] as const) {
      assert.equal(policy.shouldRetry(1, failure(kind)), false, kind);
    }
  });

  it('does not retry errors that are not upstream failures, such as the client leaving', () => {
    assert.equal(policy.shouldRetry(1, { error: new Error('aborted') }), false);
  });

  it('stops at attemptsMax', () => {
    assert.ok(policy.shouldRetry(2, { statusCode: 503 }));
    assert.equal(policy.shouldRetry(3, { statusCode: 503 }), false);
    assert.equal(
      new RetryPolicy({ attemptsMax: 1, retryableStatuses: [503], retryableFailures: [] }).shouldRetry(1, {
        statusCode: 503,
      }),
      false,
    );
  });

  it('blames the deployment for 5xx and failures, not for load or the client', () => {
    assert.ok(policy.isDeploymentFault({ statusCode: 500 }));
    assert.ok(policy.isDeploymentFault({ statusCode: 503 }));
    assert.ok(policy.isDeploymentFault(failure('unreachable')));
    assert.ok(policy.isDeploymentFault(failure('idle_timeout')));
    assert.equal(policy.isDeploymentFault({ statusCode: 429 }), false);
    assert.equal(policy.isDeploymentFault({ statusCode: 400 }), false);
    assert.equal(policy.isDeploymentFault(failure('overloaded')), false);
    assert.equal(policy.isDeploymentFault(failure('unavailable')), false);
    assert.equal(policy.isDeploymentFault({ error: new Error('aborted') }), false);
  });
});
