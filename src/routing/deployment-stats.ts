import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { type Clock, monotonicClock } from './clock.js';

export interface DeploymentStatsOptions {
  /** The weight of each new time-to-first-byte sample in the moving average, in (0, 1]. */
  readonly latencySmoothing?: number;
  readonly breaker: CircuitBreakerOptions;
}

// A new sample moves the average a fifth of the way: one slow answer does not send traffic away.
const latencySmoothingDefault = 0.2;

/**
 * What the balancer knows about one deployment: requests outstanding, an exponentially
 * weighted moving average of time to first byte, and the circuit breaker. The gateway
 * calls `onStart` right after the balancer picked the deployment, then `onFirstByte`,
 * then `onSuccess` or `onFailure`, and `onEnd` exactly once whatever happened.
 */
export class DeploymentStats {
  readonly breaker: CircuitBreaker;
  readonly #latencySmoothing: number;
  #outstanding = 0;
  #latencyEwmaMs: number | null = null;

  constructor(options: DeploymentStatsOptions, clock: Clock = monotonicClock) {
    this.breaker = new CircuitBreaker(options.breaker, clock);
    this.#latencySmoothing = options.latencySmoothing ?? latencySmoothingDefault;
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  /** Null until the first answer: the balancer then judges the deployment by load alone. */
  get latencyEwmaMs(): number | null {
    return this.#latencyEwmaMs;
  }

  onStart(): void {
    this.#outstanding += 1;
    this.breaker.onRequest();
  }

  onFirstByte(latencyMs: number): void {
    if (!(latencyMs >= 0)) return;
    const previous = this.#latencyEwmaMs;
    this.#latencyEwmaMs = previous === null ? latencyMs : previous + this.#latencySmoothing * (latencyMs - previous);
  }

  onSuccess(): void {
    this.breaker.onSuccess();
  }

  onFailure(): void {
    this.breaker.onFailure();
  }

  onEnd(): void {
    if (this.#outstanding > 0) this.#outstanding -= 1;
  }
}
