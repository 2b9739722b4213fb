import { CommonwealError } from '../errors/index.js';
import type { Llama, NodeLlamaCpp } from './node-llama-cpp-api.js';
import type { UpstreamTimeouts } from './upstream-failure.js';

/** The server-wide settings of the embedded engine. */
export interface EmbeddedRuntimeOptions {
  /** Where `models pull` puts files; `hf:` sources are found here. */
  readonly modelsDir: string;
  readonly idleUnloadMs: number;
  readonly loadRetryMs: number;
  /** Requests that may wait for a free sequence, per deployment; one more gets a 429. */
  readonly queuedRequestsMax: number;
  /** Only `totalTimeoutMs` applies: it bounds a request from queueing to its last token. */
  readonly timeouts: UpstreamTimeouts;
  /** The package to import; a test names one that does not exist to see the engine without it. */
  readonly moduleName: string;
  /** Hears llama.cpp's warnings and errors, and the engine's own load failures. */
  readonly log: (level: 'error' | 'warn' | 'info', message: string, error?: unknown) => void;
}

export interface LlamaBinding {
  readonly module: NodeLlamaCpp;
  readonly llama: Llama;
}

export const notInstalledMessage =
  'the embedded engine is not installed on this server (the optional npm package node-llama-cpp is missing)';

function isResolvable(moduleName: string): boolean {
  try {
    import.meta.resolve(moduleName);
    return true;
  } catch {
    return false;
  }
}

/**
 * What every embedded deployment of the process shares: node-llama-cpp, imported on the
 * first model load and never before, and its one `Llama` (the native library, with its
 * thread pool and memory accounting). A server with no embedded deployment, or without
 * the optional package, never imports it.
 */
export class EmbeddedRuntime {
  readonly options: EmbeddedRuntimeOptions;
  /** Whether the package can be found, checked without loading it. */
  readonly installed: boolean;
  #binding: Promise<LlamaBinding> | null = null;

  constructor(options: EmbeddedRuntimeOptions) {
    this.options = options;
    this.installed = isResolvable(options.moduleName);
  }

  /** Imports node-llama-cpp and starts llama.cpp once; a failure is retried on the next call. */
  binding(): Promise<LlamaBinding> {
    this.#binding ??= this.#start().catch((error: unknown) => {
      this.#binding = null;
      throw error;
    });
    return this.#binding;
  }

  async close(): Promise<void> {
    const binding = await this.#binding?.catch(() => null);
    this.#binding = null;
    await binding?.llama.dispose();
  }

  async #start(): Promise<LlamaBinding> {
    let module: NodeLlamaCpp;
    try {
      module = (await import(this.options.moduleName)) as NodeLlamaCpp;
    } catch (error) {
      throw new CommonwealError('engine_unavailable', notInstalledMessage, { cause: error });
    }
    const log = this.options.log;
    try {
      const llama = await module.getLlama({
        gpu: 'auto',
        // Prebuilt binaries only: building llama.cpp from source would need a compiler and
        // the network, and take minutes, in the middle of a request.
        build: 'never',
        progressLogs: false,
        logLevel: module.LlamaLogLevel.warn,
        logger: (level, message) => log(level === 'warn' ? 'warn' : 'error', `llama.cpp: ${message.trim()}`),
      });
      return { module, llama };
    } catch (error) {
      throw new CommonwealError(
        'engine_unavailable',
        'the embedded engine could not start llama.cpp on this machine; the server log says why',
        { cause: error },
      );
    }
  }
}
