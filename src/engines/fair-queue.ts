/** Thrown by `FairQueue.acquire` when as many callers as allowed are already waiting. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

interface Waiter {
  readonly tenant: string;
  readonly grant: (release: () => void) => void;
  /** Takes the waiter out of the line with `error`, when a tenant with fewer waiters needs its place. */
  readonly displace: (error: QueueFullError) => void;
}

/**
 * Admits at most `slots` holders at a time; the rest wait, at most `waitingMax` of them:
 * one more is refused at once rather than left to wait behind a line it cannot see the
 * end of. Waiters are fair between tenants (the organizations that share a model): each
 * tenant's callers wait in arrival order, and a freed slot goes to the tenant whose turn
 * it is, round robin, so that one tenant's burst cannot make another's single request
 * wait behind all of it. When the line is full, a newcomer whose tenant has fewer
 * waiters than the busiest one takes the place of that tenant's newest waiter, which is
 * refused as if it had come to a full line. A waiter whose signal aborts leaves the line.
 */
export class FairQueue {
  readonly #slots: number;
  readonly #waitingMax: number;
  /** Each tenant's waiters in arrival order; the map's order is the order of turns. */
  readonly #lines = new Map<string, Waiter[]>();
  #waiting = 0;
  #running = 0;

  constructor(slots: number, waitingMax: number) {
    if (!Number.isSafeInteger(slots) || slots < 1) throw new RangeError('slots must be a positive integer');
    if (!Number.isSafeInteger(waitingMax) || waitingMax < 0)
      throw new RangeError('waitingMax must be a non-negative integer');
    this.#slots = slots;
    this.#waitingMax = waitingMax;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** Resolves with the function that gives the slot back; calling it twice gives it back once. */
  acquire(signal: AbortSignal, tenant = ''): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.#slots) {
      this.#running += 1;
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiting >= this.#waitingMax && !this.#makeRoomFor(tenant)) {
      return Promise.reject(new QueueFullError(`${this.#waiting} requests are already waiting`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        tenant,
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        displace: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const line = this.#lines.get(tenant);
      if (line === undefined) this.#lines.set(tenant, [waiter]);
      else line.push(waiter);
      this.#waiting += 1;
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Frees a place in a full line for `tenant` by refusing the busiest other tenant's newest waiter; false when that would not be fairer. */
  #makeRoomFor(tenant: string): boolean {
    let busiest: Waiter[] | undefined;
    for (const line of this.#lines.values()) if (busiest === undefined || line.length > busiest.length) busiest = line;
    const own = this.#lines.get(tenant)?.length ?? 0;
    if (busiest === undefined || busiest.length <= own + 1) return false;
    const displaced = busiest.at(-1)!;
    this.#remove(displaced);
    displaced.displace(
      new QueueFullError(`a request of another tenant took this request's place among the ${this.#waitingMax} waiting`),
    );
    return true;
  }

  #remove(waiter: Waiter): void {
    const line = this.#lines.get(waiter.tenant);
    const index = line?.indexOf(waiter) ?? -1;
    if (line === undefined || index === -1) return;
    line.splice(index, 1);
    this.#waiting -= 1;
    if (line.length === 0) this.#lines.delete(waiter.tenant);
  }

  /** The next waiter: the first of the tenant whose turn it is, which then goes to the end of the turns. */
  #next(): Waiter | undefined {
    const first = this.#lines.entries().next();
    if (first.done === true) return undefined;
    const [tenant, line] = first.value;
    const waiter = line.shift()!;
    this.#waiting -= 1;
    this.#lines.delete(tenant);
    if (line.length > 0) this.#lines.set(tenant, line);
    return waiter;
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#next();
      // The slot passes straight to the next in line, so no newcomer can take it first.
      if (next === undefined) this.#running -= 1;
      else next.grant(this.#releaser());
    };
  }
}
