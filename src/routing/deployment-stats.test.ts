import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeploymentStats } from './deployment-stats.js';

const breaker = { failuresMax: 5, openMs: 10_000 };

describe('DeploymentStats', () => {
  it('counts outstanding requests and never below zero', () => {
    const stats = new DeploymentStats({ breaker });
    stats.onStart();
    stats.onStart();
    assert.equal(stats.outstanding, 2);
    stats.onEnd();
    stats.onEnd();
    stats.onEnd();
    assert.equal(stats.outstanding, 0);
  });

  it('averages time to first byte, starting from the first sample', () => {
    const stats = new DeploymentStats({ latencySmoothing: 0.5, breaker });
    assert.equal(stats.latencyEwmaMs, null);
    stats.onFirstByte(100);
    assert.equal(stats.latencyEwmaMs, 100);
    stats.onFirstByte(200);
    assert.equal(stats.latencyEwmaMs, 150);
    stats.onFirstByte(Number.NaN);
    stats.onFirstByte(-1);
    assert.equal(stats.latencyEwmaMs, 150);
  });

  it('feeds its circuit breaker', () => {
    let nowMs = 0;
    const stats = new DeploymentStats(
      { latencySmoothing: 0.2, breaker: { failuresMax: 1, openMs: 100, probesMax: 1 } },
      () => nowMs,
    );
    stats.onStart();
    stats.onFailure();
    stats.onEnd();
    assert.equal(stats.breaker.state, 'open');
    nowMs = 100;
    stats.onStart();
    assert.equal(stats.breaker.allowsRequest(), false, 'the one probe slot is taken');
    stats.onSuccess();
    stats.onEnd();
    assert.equal(stats.breaker.state, 'closed');
  });
});
