import type { Server, ServerResponse } from 'node:http';

/** What a drain found and did, for the shutdown log. */
export interface DrainReport {
  /** Requests in flight when the drain began, streams included. */
  readonly inFlightAtStart: number;
  /** Requests still in flight at the deadline, whose connections were cut. */
  readonly cut: number;
}

/**
 * Stopping without dropping work: the server stops taking new connections and says it
 * is not ready, then requests in flight run to their end, up to a deadline after which
 * their connections are cut. A request counts as in flight until its response has
 * closed and, for a handler that records the request after its last byte or after the
 * client left, until that handler has settled: the writer must not close under it.
 */
export class ServerDrain {
  #draining = false;
  #inFlight = 0;
  #server: Server | undefined;
  #onIdle: (() => void) | undefined;

  /** True from the start of the drain: /readyz answers 503 and every new answer closes its connection. */
  get draining(): boolean {
    return this.#draining;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Counts a request until its response closes and `handled`, when given, settles. */
  track(res: ServerResponse, handled?: Promise<unknown>): void {
    this.#inFlight += 1;
    let pending = handled === undefined ? 1 : 2;
    const end = () => {
      pending -= 1;
      if (pending === 0) this.#ended();
    };
    res.once('close', end);
    handled?.then(end, end);
  }

  /**
   * Drains `server`: it stops listening at once (a new connection is refused), idle
   * keep-alive connections close, busy ones close after their answer, and once nothing
   * is in flight, or `timeoutMs` has passed and the rest were cut, the drain resolves.
   */
  async drain(server: Server, timeoutMs: number): Promise<DrainReport> {
    this.#draining = true;
    this.#server = server;
    const inFlightAtStart = this.#inFlight;
    // Node's close() also closes the connections that are idle right now.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const idle = new Promise<void>((resolve) => {
      if (this.#inFlight === 0) resolve();
      else this.#onIdle = resolve;
    });
    const finished = Promise.all([closed, idle]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), timeoutMs);
    });
    try {
      if ((await Promise.race([finished, deadline])) !== 'deadline') return { inFlightAtStart, cut: 0 };
    } finally {
      clearTimeout(timer);
    }
    const cut = this.#inFlight;
    // A cut request's handler sees its client leave and records it; the drain waits for that record.
    server.closeAllConnections();
    await finished;
    return { inFlightAtStart, cut };
  }

  #ended(): void {
    this.#inFlight -= 1;
    if (!this.#draining) return;
    // A keep-alive connection whose answer began before the drain is idle now, and nothing else would close it.
    this.#server?.closeIdleConnections();
    if (this.#inFlight === 0) this.#onIdle?.();
  }
}
