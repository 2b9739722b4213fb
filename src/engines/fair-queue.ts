/** Thrown by `FairQueue.acquire` when as many callers as allowed are already waiting. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

interface Waiter {
  readonly grant: (release: () => void) => void;
}

/**
 * Admits at most `slots` holders at a time; the rest wait first come, first served, and
 * at most `waitingMax` of them: one more is refused at once rather than left to wait
 * behind a line it cannot see the end of. A waiter whose signal aborts leaves the line.
 */
export class FairQueue {
  readonly #slots: number;
  readonly #waitingMax: number;
  readonly #waiters: Waiter[] = [];
  #running = 0;

  constructor(slots: number, waitingMax: number) {
    if (!Number.isSafeInteger(slots) || slots < 1) throw new RangeError('slots must be a positive integer');
    if (!Number.isSafeInteger(waitingMax) || waitingMax < 0) throw new RangeError('waitingMax must be a non-negative integer');
    this.#slots = slots;
    this.#waitingMax = waitingMax;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with the function that gives the slot back; calling it twice gives it back once. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.#slots) {
      this.#running += 1;
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiters.length >= this.#waitingMax) return Promise.reject(new QueueFullError(`${this.#waiters.length} requests are already waiting`));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.#waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // The slot passes straight to the next in line, so no newcomer can take it first.
      if (next === undefined) this.#running -= 1;
      else next.grant(this.#releaser());
    };
  }
}
