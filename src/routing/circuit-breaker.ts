import { type Clock, monotonicClock } from './clock.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failuresMax: number;
  /** How long an open circuit refuses requests before letting probes through. */
  readonly openMs: number;
  /** Requests let through as probes while half-open; one unless a test says otherwise. */
  readonly probesMax?: number;
}

/**
 * Keeps traffic away from a deployment that keeps failing. Closed, it counts consecutive
 * failures; at `failuresMax` it opens and refuses requests for `openMs`; then it turns
 * half-open and lets up to `probesMax` requests through: a success closes it, a failure
 * opens it again. Time is read from the clock when asked, so it needs no timers.
 */
export class CircuitBreaker {
  readonly #failuresMax: number;
  readonly #openMs: number;
  readonly #probesMax: number;
  readonly #clock: Clock;
  #state: CircuitState = 'closed';
  #failures = 0;
  /** When the circuit opened, or when the current half-open probe window began. */
  #sinceMs = 0;
  #probes = 0;

  constructor(options: CircuitBreakerOptions, clock: Clock = monotonicClock) {
    this.#failuresMax = options.failuresMax;
    this.#openMs = options.openMs;
    // One probe is enough to tell a recovered deployment from a dead one.
    this.#probesMax = options.probesMax ?? 1;
    this.#clock = clock;
  }

  get state(): CircuitState {
    this.#advance();
    return this.#state;
  }

  /** Whether a request may be sent now. It reserves nothing: call `onRequest` when sending. */
  allowsRequest(): boolean {
    this.#advance();
    return this.#state === 'closed' || (this.#state === 'half_open' && this.#probes < this.#probesMax);
  }

  /** A request was sent; while half-open it takes a probe slot. */
  onRequest(): void {
    this.#advance();
    if (this.#state === 'half_open') this.#probes += 1;
  }

  onSuccess(): void {
    this.#advance();
    // A success while open comes from a request sent before the circuit opened; the
    // cool-down still runs its course.
    if (this.#state === 'open') return;
    this.#state = 'closed';
    this.#failures = 0;
  }

  onFailure(): void {
    this.#advance();
    this.#failures += 1;
    if (this.#state !== 'closed' || this.#failures >= this.#failuresMax) this.#open();
  }

  /**
   * A background health check passed. An open circuit turns half-open at once so real
   * requests can confirm the recovery; a closed one keeps its failure count, because a
   * server can answer `/models` and still fail every completion.
   */
  onHealthCheckPassed(): void {
    this.#advance();
    if (this.#state === 'open') this.#halfOpen(this.#clock());
  }

  #open(): void {
    this.#state = 'open';
    this.#sinceMs = this.#clock();
  }

  #halfOpen(nowMs: number): void {
    this.#state = 'half_open';
    this.#sinceMs = nowMs;
    this.#probes = 0;
  }

  #advance(): void {
    if (this.#state === 'closed') return;
    const nowMs = this.#clock();
    if (nowMs - this.#sinceMs < this.#openMs) return;
    // Open long enough: probe. Half-open long enough with no verdict: the probes were
    // lost (cancelled by their clients), so open a new window rather than stay stuck.
    if (this.#state === 'open' || this.#probes >= this.#probesMax) this.#halfOpen(nowMs);
  }
}
