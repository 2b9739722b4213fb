import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Balancer, type BalancerCandidate } from './balancer.js';
import { DeploymentStats } from './deployment-stats.js';

/** mulberry32: a small seeded generator, so the statistical tests always draw the same numbers. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Setup {
  readonly id: string;
  readonly weight?: number;
  readonly enabled?: boolean;
  readonly outstanding?: number;
  readonly latencyMs?: number;
}

function candidate(setup: Setup): BalancerCandidate {
  const stats = new DeploymentStats({ breaker: { failuresMax: 5, openMs: 10_000 } });
  for (let i = 0; i < (setup.outstanding ?? 0); i++) stats.onStart();
  if (setup.latencyMs !== undefined) stats.onFirstByte(setup.latencyMs);
  return { deployment: { id: setup.id, weight: setup.weight ?? 100, enabled: setup.enabled ?? true }, stats };
}

const draws = 10_000;

function shareOf(id: string, candidates: readonly BalancerCandidate[], seed = 42): number {
  const balancer = new Balancer(seededRandom(seed));
  let hits = 0;
  for (let i = 0; i < draws; i++) if (balancer.pick(candidates)?.deployment.id === id) hits += 1;
  return hits / draws;
}

describe('Balancer', () => {
  it('splits evenly between deployments that look alike', () => {
    const share = shareOf('a', [candidate({ id: 'a', latencyMs: 100 }), candidate({ id: 'b', latencyMs: 100 })]);
    assert.ok(Math.abs(share - 0.5) < 0.03, `share ${share}`);
  });

  it('splits in proportion to weight when load and latency are equal', () => {
    const share = shareOf('heavy', [candidate({ id: 'heavy', weight: 300 }), candidate({ id: 'light', weight: 100 })]);
    assert.ok(Math.abs(share - 0.75) < 0.03, `share ${share}`);
  });

  it('prefers fewer outstanding requests', () => {
    const share = shareOf('idle', [
      candidate({ id: 'idle', outstanding: 0, latencyMs: 100 }),
      candidate({ id: 'busy', outstanding: 4, latencyMs: 100 }),
    ]);
    assert.ok(share > 0.7, `share ${share}`);
  });

  it('prefers a lower time to first byte', () => {
    const share = shareOf('fast', [
      candidate({ id: 'fast', latencyMs: 100 }),
      candidate({ id: 'slow', latencyMs: 300 }),
    ]);
    assert.ok(share > 0.7, `share ${share}`);
  });

  it('judges by load alone while a latency is unknown', () => {
    const share = shareOf('new', [candidate({ id: 'new' }), candidate({ id: 'known', latencyMs: 1, outstanding: 1 })]);
    assert.ok(share > 0.7, `share ${share}`);
  });

  it('still sends some traffic to a slower deployment, so its statistics stay fresh', () => {
    const share = shareOf('slow', [
      candidate({ id: 'fast', latencyMs: 100 }),
      candidate({ id: 'slow', latencyMs: 1_000 }),
    ]);
    assert.ok(share > 0.15 && share < 0.35, `share ${share}`);
  });

  it('never picks a disabled, excluded, refused or open-circuit deployment', () => {
    const open = candidate({ id: 'open' });
    for (let i = 0; i < 5; i++) open.stats.onFailure();
    assert.equal(open.stats.breaker.state, 'open');
    const candidates = [
      candidate({ id: 'disabled', enabled: false }),
      candidate({ id: 'tried' }),
      candidate({ id: 'elsewhere' }),
      open,
      candidate({ id: 'ok', outstanding: 50, latencyMs: 10_000 }),
    ];
    const balancer = new Balancer(seededRandom(7));
    const exclude = new Set(['tried']);
    const accept = (c: BalancerCandidate): boolean => c.deployment.id !== 'elsewhere';
    for (let i = 0; i < 1_000; i++) assert.equal(balancer.pick(candidates, exclude, accept)?.deployment.id, 'ok');
    assert.equal(balancer.pick(candidates, new Set(['tried', 'ok']), accept), undefined);
  });

  it('skips a half-open deployment whose probe slots are taken', () => {
    let nowMs = 0;
    const stats = new DeploymentStats(
      { latencySmoothing: 0.2, breaker: { failuresMax: 1, openMs: 10, probesMax: 1 } },
      () => nowMs,
    );
    stats.onFailure();
    nowMs = 10;
    const probing: BalancerCandidate = { deployment: { id: 'probing', weight: 100, enabled: true }, stats };
    const balancer = new Balancer(seededRandom(1));
    assert.equal(balancer.pick([probing])?.deployment.id, 'probing');
    stats.onStart();
    assert.equal(balancer.pick([probing]), undefined);
  });

  it('returns undefined for no candidates', () => {
    assert.equal(new Balancer().pick([]), undefined);
  });
});
