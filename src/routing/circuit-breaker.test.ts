import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from './circuit-breaker.js';

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let nowMs = 1_000;
  return { now: () => nowMs, advance: (ms) => (nowMs += ms) };
}

function openBreaker(probesMax = 1) {
  const clock = fakeClock();
  const breaker = new CircuitBreaker({ failuresMax: 3, openMs: 10_000, probesMax }, clock.now);
  for (let i = 0; i < 3; i++) breaker.onFailure();
  return { clock, breaker };
}

describe('CircuitBreaker', () => {
  it('opens after failuresMax consecutive failures, not before', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failuresMax: 3, openMs: 10_000, probesMax: 1 }, clock.now);
    breaker.onFailure();
    breaker.onFailure();
    assert.equal(breaker.state, 'closed');
    assert.ok(breaker.allowsRequest());
    breaker.onFailure();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.allowsRequest(), false);
  });

  it('counts only consecutive failures', () => {
    const breaker = new CircuitBreaker({ failuresMax: 2, openMs: 10_000, probesMax: 1 }, fakeClock().now);
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    assert.equal(breaker.state, 'closed');
  });

  it('turns half-open after the cool-down and lets probesMax requests through', () => {
    const { clock, breaker } = openBreaker(2);
    clock.advance(9_999);
    assert.equal(breaker.state, 'open');
    clock.advance(1);
    assert.equal(breaker.state, 'half_open');
    assert.ok(breaker.allowsRequest());
    breaker.onRequest();
    assert.ok(breaker.allowsRequest());
    breaker.onRequest();
    assert.equal(breaker.allowsRequest(), false);
  });

  it('closes on a probe success', () => {
    const { clock, breaker } = openBreaker();
    clock.advance(10_000);
    breaker.onRequest();
    breaker.onSuccess();
    assert.equal(breaker.state, 'closed');
    assert.ok(breaker.allowsRequest());
  });

  it('re-opens on a probe failure, for a full cool-down', () => {
    const { clock, breaker } = openBreaker();
    clock.advance(10_000);
    breaker.onRequest();
    breaker.onFailure();
    assert.equal(breaker.state, 'open');
    clock.advance(9_999);
    assert.equal(breaker.state, 'open');
    clock.advance(1);
    assert.equal(breaker.state, 'half_open');
  });

  it('opens a new probe window when the probes never report', () => {
    const { clock, breaker } = openBreaker();
    clock.advance(10_000);
    breaker.onRequest();
    assert.equal(breaker.allowsRequest(), false);
    clock.advance(10_000);
    assert.ok(breaker.allowsRequest());
  });

  it('ignores a late success while open', () => {
    const { breaker } = openBreaker();
    breaker.onSuccess();
    assert.equal(breaker.state, 'open');
  });

  it('extends the cool-down on a failure while open', () => {
    const { clock, breaker } = openBreaker();
    clock.advance(6_000);
    breaker.onFailure();
    clock.advance(6_000);
    assert.equal(breaker.state, 'open');
  });

  it('turns half-open at once when a health check passes while open', () => {
    const { breaker } = openBreaker();
    breaker.onHealthCheckPassed();
    assert.equal(breaker.state, 'half_open');
    assert.ok(breaker.allowsRequest());
  });

  it('keeps its failure count when a health check passes while closed', () => {
    const breaker = new CircuitBreaker({ failuresMax: 2, openMs: 10_000, probesMax: 1 }, fakeClock().now);
    breaker.onFailure();
    breaker.onHealthCheckPassed();
    breaker.onFailure();
    assert.equal(breaker.state, 'open');
  });
});
