import { performance } from 'node:perf_hooks';
import { CommonwealError } from '../errors/index.js';
import type { EngineState } from './engine.js';
import type { LoadedModel } from './loaded-model.js';

export interface ModelLifecycleOptions {
  /** Time without requests after which the model is unloaded, to give its memory back. */
  readonly idleUnloadMs: number;
  /** After a failed load, requests fail at once with its reason for this long before one tries again. */
  readonly loadRetryMs: number;
}

export type ModelLoader = (signal: AbortSignal) => Promise<LoadedModel>;

export interface LifecycleSnapshot {
  readonly state: EngineState;
  readonly reason: string | null;
  readonly since: string;
}

function asUnavailable(error: unknown): CommonwealError {
  if (error instanceof CommonwealError) return error;
  return new CommonwealError('engine_unavailable', 'the model could not be loaded; the server log says why', {
    cause: error,
  });
}

/**
 * Loads a model on first use and unloads it after it has been idle, so that several
 * models can be registered on a machine with memory for one or two. The state is
 * unloaded → loading → ready → (idle) → unloaded, or loading → failed with a reason.
 * Concurrent first requests share one load; a model in use is never unloaded.
 */
export class ModelLifecycle {
  readonly #loader: ModelLoader;
  readonly #options: ModelLifecycleOptions;
  readonly #closing = new AbortController();
  #state: EngineState = 'unloaded';
  #since = new Date().toISOString();
  #failure: CommonwealError | null = null;
  #failedAtMs = 0;
  #model: LoadedModel | null = null;
  #loading: Promise<LoadedModel> | null = null;
  #unloading: Promise<void> | null = null;
  #users = 0;
  #idleTimer: NodeJS.Timeout | null = null;

  /** `failure`, when given, is known before any load: the engine is not installed, say. */
  constructor(loader: ModelLoader, options: ModelLifecycleOptions, failure?: CommonwealError) {
    this.#loader = loader;
    this.#options = options;
    if (failure !== undefined) this.#fail(failure);
  }

  snapshot(): LifecycleSnapshot {
    return { state: this.#state, reason: this.#failure?.message ?? null, since: this.#since };
  }

  /** The loaded model, loading it first if need be; the caller uses it until `release()`. */
  async acquire(): Promise<LoadedModel> {
    if (this.#closing.signal.aborted) throw new CommonwealError('engine_unavailable', 'the engine is shutting down');
    this.#users += 1;
    this.#cancelIdleTimer();
    try {
      return await this.#ready();
    } catch (error) {
      this.release();
      throw error;
    }
  }

  release(): void {
    this.#users -= 1;
    if (this.#users === 0 && this.#state === 'ready' && !this.#closing.signal.aborted) {
      // Unref'd: an idle model must not keep a stopping process alive.
      this.#idleTimer = setTimeout(() => this.#unload(), this.#options.idleUnloadMs).unref();
    }
  }

  /** Unloads now if nobody uses the model; for tests and operators that want memory back. */
  unloadIfIdle(): Promise<void> {
    this.#unload();
    return this.#unloading ?? Promise.resolve();
  }

  /** Cancels a load in progress and unloads the model; `acquire` fails from now on. */
  async close(): Promise<void> {
    this.#closing.abort(new CommonwealError('engine_unavailable', 'the engine is shutting down'));
    this.#cancelIdleTimer();
    await this.#loading?.catch(() => undefined);
    const model = this.#model;
    this.#model = null;
    await this.#unloading;
    if (model === null) return;
    this.#setState('unloaded');
    await model.dispose();
  }

  #ready(): Promise<LoadedModel> {
    if (this.#model !== null) return Promise.resolve(this.#model);
    if (this.#state === 'failed' && performance.now() - this.#failedAtMs < this.#options.loadRetryMs)
      return Promise.reject(this.#failure);
    this.#loading ??= this.#load().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #load(): Promise<LoadedModel> {
    this.#setState('loading');
    await this.#unloading;
    try {
      const model = await this.#loader(this.#closing.signal);
      if (this.#closing.signal.aborted) {
        await model.dispose();
        throw this.#closing.signal.reason;
      }
      this.#model = model;
      this.#failure = null;
      this.#setState('ready');
      return model;
    } catch (error) {
      throw this.#fail(asUnavailable(error));
    }
  }

  #fail(failure: CommonwealError): CommonwealError {
    this.#failure = failure;
    this.#failedAtMs = performance.now();
    this.#setState('failed');
    return failure;
  }

  #unload(): void {
    this.#cancelIdleTimer();
    if (this.#users > 0 || this.#model === null || this.#unloading !== null) return;
    const model = this.#model;
    this.#model = null;
    this.#setState('unloaded');
    // A model whose native memory could not be freed is gone from our side all the same.
    this.#unloading = model
      .dispose()
      .catch(() => undefined)
      .finally(() => {
        this.#unloading = null;
      });
  }

  #cancelIdleTimer(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #setState(state: EngineState): void {
    this.#state = state;
    this.#since = new Date().toISOString();
  }
}
