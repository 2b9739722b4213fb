import type { Deployment } from '../catalog/index.js';
import type { DeploymentStats } from './deployment-stats.js';

/** What the balancer reads from a routed deployment. */
export interface BalancerCandidate {
  readonly deployment: Pick<Deployment, 'id' | 'weight' | 'enabled'>;
  readonly stats: DeploymentStats;
}

/**
 * Picks a deployment by the power of two choices: two candidates are drawn at random,
 * each with probability proportional to its `weight`, and the one with the lower cost
 * `(outstanding + 1) × latency EWMA` wins, ties broken at random. Among deployments that
 * look alike, traffic therefore splits in proportion to weight; a slower or busier one
 * gets less, yet keeps being drawn against itself now and then, so its statistics stay
 * fresh and it is never starved. Disabled, excluded and open-circuit deployments are
 * skipped. Two passes over the candidates, no allocation.
 */
export class Balancer {
  readonly #random: () => number;

  /** `random` returns a number in [0, 1); tests pass a seeded one. */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /**
   * `exclude` holds the ids already tried for this request; `accept` narrows the
   * candidates further, such as to the sites a tenant's residency policy allows.
   * Returns undefined when no candidate may serve.
   */
  pick<T extends BalancerCandidate>(
    candidates: readonly T[],
    exclude?: ReadonlySet<string>,
    accept?: (candidate: T) => boolean,
  ): T | undefined {
    let weightTotal = 0;
    for (const candidate of candidates) {
      if (isEligible(candidate, exclude, accept)) weightTotal += candidate.deployment.weight;
    }
    if (weightTotal <= 0) return undefined;
    const firstAt = this.#random() * weightTotal;
    const secondAt = this.#random() * weightTotal;
    let first: T | undefined;
    let second: T | undefined;
    let last: T | undefined;
    let cumulative = 0;
    for (const candidate of candidates) {
      if (!isEligible(candidate, exclude, accept)) continue;
      last = candidate;
      cumulative += candidate.deployment.weight;
      if (first === undefined && firstAt < cumulative) first = candidate;
      if (second === undefined && secondAt < cumulative) second = candidate;
      if (first !== undefined && second !== undefined) break;
    }
    // Eligibility may change between the passes (a cool-down ends, `accept` changes its
    // mind); should the draws then miss, the last eligible candidate stands in.
    return this.#better(first ?? last, second ?? last);
  }

  #better<T extends BalancerCandidate>(a: T | undefined, b: T | undefined): T | undefined {
    if (a === undefined || b === undefined || a === b) return a ?? b;
    const latencyA = a.stats.latencyEwmaMs;
    const latencyB = b.stats.latencyEwmaMs;
    // Without both latencies speed cannot be compared, so load alone decides.
    const bothTimed = latencyA !== null && latencyB !== null;
    const costA = (a.stats.outstanding + 1) * (bothTimed ? latencyA : 1);
    const costB = (b.stats.outstanding + 1) * (bothTimed ? latencyB : 1);
    if (costA !== costB) return costA < costB ? a : b;
    return this.#random() < 0.5 ? a : b;
  }
}

function isEligible<T extends BalancerCandidate>(
  candidate: T,
  exclude: ReadonlySet<string> | undefined,
  accept: ((candidate: T) => boolean) | undefined,
): boolean {
  return (
    candidate.deployment.enabled &&
    candidate.deployment.weight > 0 &&
    (exclude === undefined || !exclude.has(candidate.deployment.id)) &&
    (accept === undefined || accept(candidate)) &&
    candidate.stats.breaker.allowsRequest()
  );
}
