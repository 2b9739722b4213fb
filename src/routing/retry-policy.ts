import { UpstreamFailure, type UpstreamFailureKind } from '../engines/index.js';

const notFaults: ReadonlySet<UpstreamFailureKind> = new Set(['overloaded', 'closed', 'unavailable']);

/** How one attempt ended: with a response's status, or with an error and no response. */
export type AttemptOutcome = { readonly statusCode: number } | { readonly error: unknown };

export interface RetryPolicyOptions {
  /** Attempts per request, the first included. */
  readonly attemptsMax: number;
  /** Upstream statuses worth trying on another deployment; absent, the ones retried by default. */
  readonly retryableStatuses?: readonly number[];
  /** Failures worth trying on another deployment; absent, the ones retried by default. */
  readonly retryableFailures?: readonly UpstreamFailureKind[];
}

const retryableByDefault = Object.freeze({
  // 429: this deployment is saturated, another may not be. 502/503/504: it or its proxy
  // is down or overloaded. Other statuses, 400/401/404 above all, are about the request
  // and go back to the client as they are.
  retryableStatuses: Object.freeze([429, 502, 503, 504]),
  // These failures leave nothing half done: the request never arrived, was refused
  // before it queued, or its server died before answering. A first-byte timeout is not
  // retried: it means the fleet is slow or the prompt long, and another wait of the same
  // length elsewhere would double the client's wait and the load. Idle and total
  // timeouts come after the answer began. An embedded engine that cannot serve (not
  // installed, model missing) says so before starting, at no cost to try elsewhere.
  retryableFailures: Object.freeze<UpstreamFailureKind[]>([
    'unreachable',
    'connect_timeout',
    'connection_lost',
    'overloaded',
    'closed',
    'unavailable',
  ]),
});

/**
 * Decides, after an attempt, whether to try another deployment, and whether the
 * attempt counts against the deployment's health. The gateway asks only while nothing
 * has been sent to the client yet, and picks the next deployment with the ones already
 * tried excluded.
 */
export class RetryPolicy {
  readonly #attemptsMax: number;
  readonly #statuses: ReadonlySet<number>;
  readonly #failures: ReadonlySet<UpstreamFailureKind>;

  constructor(options: RetryPolicyOptions) {
    if (!Number.isSafeInteger(options.attemptsMax) || options.attemptsMax < 1)
      throw new RangeError('attemptsMax must be a positive integer');
    this.#attemptsMax = options.attemptsMax;
    this.#statuses = new Set(options.retryableStatuses ?? retryableByDefault.retryableStatuses);
    this.#failures = new Set(options.retryableFailures ?? retryableByDefault.retryableFailures);
  }

  /** `attempt` counts from 1 and is the attempt that just ended with `outcome`. */
  shouldRetry(attempt: number, outcome: AttemptOutcome): boolean {
    if (attempt >= this.#attemptsMax) return false;
    if ('statusCode' in outcome) return this.#statuses.has(outcome.statusCode);
    return outcome.error instanceof UpstreamFailure && this.#failures.has(outcome.error.kind);
  }

  /**
   * Whether the outcome says the deployment is unwell, for its circuit breaker. A 429 or
   * an overloaded engine says it is busy, which the balancer already steers around by
   * load; opening its circuit would pour its traffic onto the others. A closed engine
   * was being replaced. An unavailable embedded engine reports its own state (in /readyz
   * and the admin API) and fails over at no cost; an open circuit would only hide its
   * reason from clients behind `no_healthy_deployment`. An error that is not an `UpstreamFailure`, such as the client
   * going away, says nothing about the deployment.
   */
  isDeploymentFault(outcome: AttemptOutcome): boolean {
    if ('statusCode' in outcome) return outcome.statusCode >= 500;
    return outcome.error instanceof UpstreamFailure && !notFaults.has(outcome.error.kind);
  }
}
