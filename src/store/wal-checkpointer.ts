import { Worker } from 'node:worker_threads';

export const walCheckpointIntervalMsDefault = 200;

/**
 * Checkpoints an SQLite database's WAL from a worker thread. SQLite's automatic
 * checkpoint runs inside whichever commit crosses the threshold, on the event loop:
 * under load that stalled every request for the length of the copy and its fsyncs
 * (measured: about a fifth of the gateway's throughput). The main connection sets
 * `wal_autocheckpoint = 0` and leaves the work to this thread.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  constructor(path: string, onError: (error: Error) => void, intervalMs: number = walCheckpointIntervalMsDefault) {
    // The parent's flags (such as --input-type for an inline script) need not suit a worker.
    this.#worker = new Worker(new URL('./wal-checkpointer-worker.js', import.meta.url), {
      workerData: { path, intervalMs },
      execArgv: [],
    });
    // The process may exit while the checkpointer runs; the next start checkpoints what is left.
    this.#worker.unref();
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    // A worker that fails (its connection cannot open) must not take the server down:
    // the WAL then only grows until the next start, which checkpoints it.
    this.#worker.on('error', (error) => onError(error));
  }

  /** Stops checkpointing and closes the worker's connection; resolves at once for a worker that already died. */
  async stop(): Promise<void> {
    const stopped = Promise.race([new Promise((resolve) => this.#worker.once('message', resolve)), this.#exited]);
    // Unreferenced, a worker that is dying after an error keeps nothing alive, and the process could end while this waits for its exit.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await stopped;
    await this.#worker.terminate();
  }
}
