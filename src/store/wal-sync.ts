import { type FileHandle, open } from 'node:fs/promises';

/**
 * Makes SQLite commits durable without blocking the event loop. With
 * `synchronous = NORMAL` in WAL mode a commit is written to the WAL file but not synced:
 * safe from a killed process, not from power loss. Syncing the WAL here, on libuv's
 * thread pool, then gives FULL's guarantee for every commit made before `sync()` was
 * called, while the event loop serves other requests and the next transaction is written.
 * Concurrent callers share syncs: one in flight, at most one queued behind it.
 */
/** Opens the WAL for syncing; the file system's by default, replaceable to observe syncs in tests. */
export type OpenWal = (path: string) => Promise<Pick<FileHandle, 'sync' | 'close'>>;

export class WalSync {
  readonly #walPath: string;
  readonly #open: OpenWal;
  #handle: ReturnType<OpenWal> | undefined;
  #inFlight: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(walPath: string, openWal: OpenWal = (path) => open(path, 'r')) {
    this.#walPath = walPath;
    this.#open = openWal;
  }

  /** Resolves once everything committed before the call is on stable storage. */
  sync(): Promise<void> {
    if (this.#inFlight === undefined) return this.#track(this.#run());
    // The sync in flight may have started before this caller's commit: it needs the next one.
    this.#queued ??= this.#inFlight.then(
      () => this.#startQueued(),
      () => this.#startQueued(),
    );
    return this.#queued;
  }

  #startQueued(): Promise<void> {
    this.#queued = undefined;
    return this.#track(this.#run());
  }

  /** Marks `sync` as the one in flight until it settles, unless a newer one replaced it by then. */
  #track(sync: Promise<void>): Promise<void> {
    this.#inFlight = sync;
    const clear = () => {
      if (this.#inFlight === sync) this.#inFlight = undefined;
    };
    sync.then(clear, clear);
    return sync;
  }

  async #run(): Promise<void> {
    const handle = (this.#handle ??= this.#open(this.#walPath));
    try {
      await (await handle).sync();
    } catch (error) {
      // A handle that failed is not kept: the next sync opens the file again.
      if (this.#handle === handle) this.#handle = undefined;
      await handle.then((h) => h.close()).catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#inFlight?.catch(() => undefined);
    await this.#queued?.catch(() => undefined);
    if (this.#handle !== undefined) await (await this.#handle).close();
    this.#handle = undefined;
  }
}
