import { once } from 'node:events';
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

  constructor(path: string, intervalMs: number = walCheckpointIntervalMsDefault) {
    // The parent's flags (such as --input-type for an inline script) need not suit a worker.
    this.#worker = new Worker(new URL('./wal-checkpointer-worker.js', import.meta.url), { workerData: { path, intervalMs }, execArgv: [] });
    // The process may exit while the checkpointer runs; the next start checkpoints what is left.
    this.#worker.unref();
  }

  /** Stops checkpointing and closes the worker's connection. */
  async stop(): Promise<void> {
    const stopped = once(this.#worker, 'message');
    this.#worker.postMessage('stop');
    await stopped;
    await this.#worker.terminate();
  }
}
