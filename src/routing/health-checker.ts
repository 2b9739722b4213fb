import type { Deployment } from '../catalog/index.js';
import type { Engine } from '../engines/index.js';
import type { DeploymentStats } from './deployment-stats.js';

export interface HealthCheckerOptions {
  /** Time from the end of one round of checks to the start of the next. */
  readonly intervalMs: number;
  /** Time one check may take before it counts as failed. */
  readonly timeoutMs: number;
  /** Checks running at once, so a large fleet is not probed all in the same instant. */
  readonly concurrencyMax?: number;
}

// Enough to keep a round of a large fleet short, few enough to open no burst of connections.
const concurrencyMaxDefault = 8;

/** Hears a check's verdict: `failure` is undefined when the check passed. */
export type HealthCheckListener = (deploymentId: string, failure: unknown) => void;

/** What the health checker reads from a routed deployment. */
export interface HealthCheckTarget {
  readonly deployment: Pick<Deployment, 'id' | 'enabled'>;
  readonly engine: Pick<Engine, 'probe'>;
  readonly stats: DeploymentStats;
}

/**
 * Probes every enabled deployment in the background and feeds the verdicts to their
 * circuit breakers: a failed check counts as a failure, a passed one lets an open
 * circuit turn half-open. Without it, a dead deployment would be found out only by the
 * requests that fail on it, and a recovered one only when its cool-down ends.
 */
export class HealthChecker {
  readonly #targets: () => Iterable<HealthCheckTarget>;
  readonly #options: HealthCheckerOptions;
  readonly #onResult: HealthCheckListener | undefined;
  readonly #stopping = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #started = false;
  #round: Promise<void> | null = null;

  /**
   * `targets` is asked at each round, so the checker follows changes to the fleet;
   * `onResult` hears every verdict, for logs and metrics.
   */
  constructor(
    targets: () => Iterable<HealthCheckTarget>,
    options: HealthCheckerOptions,
    onResult?: HealthCheckListener,
  ) {
    this.#targets = targets;
    this.#options = options;
    this.#onResult = onResult;
  }

  /** Checks at once, then every `intervalMs` after the previous round ended. */
  start(): void {
    if (this.#started || this.#stopping.signal.aborted) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Runs one round of checks now, or joins the round already running. */
  checkNow(): Promise<void> {
    this.#round ??= this.#runRound().finally(() => {
      this.#round = null;
    });
    return this.#round;
  }

  /** Stops the schedule and cancels the checks in flight, which then count for nothing. */
  async stop(): Promise<void> {
    this.#stopping.abort(new Error('the health checker stopped'));
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#round;
  }

  #schedule(delayMs: number): void {
    // Unref'd: health checks alone must not keep the process running.
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const next = (): void => {
        if (!this.#stopping.signal.aborted) this.#schedule(this.#options.intervalMs);
      };
      // A round fails only when `targets` throws; the next round asks again.
      void this.checkNow().then(next, next);
    }, delayMs).unref();
  }

  async #runRound(): Promise<void> {
    const queue: HealthCheckTarget[] = [];
    for (const target of this.#targets()) if (target.deployment.enabled) queue.push(target);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length && !this.#stopping.signal.aborted) await this.#check(queue[next++]!);
    };
    const workers: Promise<void>[] = [];
    const workersMax = Math.min(this.#options.concurrencyMax ?? concurrencyMaxDefault, queue.length);
    for (let i = 0; i < workersMax; i++) workers.push(worker());
    await Promise.all(workers);
  }

  async #check(target: HealthCheckTarget): Promise<void> {
    const controller = new AbortController();
    const onStop = (): void => controller.abort(this.#stopping.signal.reason);
    this.#stopping.signal.addEventListener('abort', onStop);
    const timer = setTimeout(() => controller.abort(new Error('the health check timed out')), this.#options.timeoutMs);
    let failure: unknown;
    try {
      await target.engine.probe(controller.signal);
    } catch (error) {
      failure = error ?? new Error('the health check failed');
    } finally {
      clearTimeout(timer);
      this.#stopping.signal.removeEventListener('abort', onStop);
    }
    if (this.#stopping.signal.aborted) return;
    if (failure === undefined) target.stats.breaker.onHealthCheckPassed();
    else target.stats.onFailure();
    this.#onResult?.(target.deployment.id, failure);
  }
}
