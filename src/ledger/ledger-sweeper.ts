import type { Fund } from './fund.js';
import type { Ledger } from './ledger.js';

/**
 * Voids holds past their timeout and returns expired grants to their pools, every
 * `intervalMs`, one sweep at a time, so that nothing is reserved or granted forever.
 */
export class LedgerSweeper {
  readonly #ledger: Ledger;
  readonly #fund: Fund;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(ledger: Ledger, fund: Fund, intervalMs: number, onError: (error: unknown) => void) {
    this.#ledger = ledger;
    this.#fund = fund;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** One sweep, after any sweep already running; resolves with how many holds and grants it expired. */
  sweep(): Promise<{ holds: number; grants: number }> {
    const result = this.#running.then(async () => ({
      holds: await this.#ledger.expireHolds(),
      grants: await this.#fund.expireGrants(),
    }));
    this.#running = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.sweep().catch(this.#onError), this.#intervalMs);
    // The sweep is housekeeping: it must not keep a stopping process alive.
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
