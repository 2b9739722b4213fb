import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { CommonwealError } from '../errors/index.js';
import { DownloadError } from './download-error.js';
import { GgufFormatError } from './gguf-format-error.js';
import { readGgufHeader } from './gguf-header.js';
import { type GgufModelInfo, ggufModelInfo } from './gguf-model-info.js';
import { type DownloadProgress, type DownloadResult, downloadModelFile } from './model-download.js';
import { downloadUrlOf, huggingFaceEndpoint, localModelPath, parseModelRef } from './model-ref.js';

export interface ModelPullRequest {
  /** As a deployment's source: an absolute path on the server, `hf:…` or an http(s) URL. */
  readonly source: string;
  readonly sha256?: string | undefined;
  /** A Hugging Face mirror for `hf:` sources. */
  readonly hfEndpoint?: string | undefined;
}

/** A pull as the management API shows it; a new object at every change, never mutated. */
export interface ModelPull {
  readonly object: 'model.pull';
  readonly id: string;
  readonly source: string;
  /** Where the file is, or will be, on the server. */
  readonly path: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly progress: DownloadProgress | null;
  /** Null for a file that was on the server already. */
  readonly download: Omit<DownloadResult, 'path'> | null;
  readonly model: GgufModelInfo | null;
  /** Why it failed, for a person: what happened and what to do. */
  readonly error: string | null;
  readonly createdAt: string;
}

// Enough for every CLI following a pull to read how it ended; the oldest finished goes first.
const finishedKeptMax = 100;

export interface ModelPullsOptions {
  /** Where downloaded files go: the data directory's `models/`. */
  readonly modelsDir: string;
  /** Pulls downloading at once; one more is refused, as each holds a connection and disk bandwidth. */
  readonly concurrentMax: number;
  /** Hears what no pull's message can explain. */
  readonly onUnexpected: (error: unknown) => void;
}

/**
 * The server's downloads of model files into its own data directory, run in the
 * background and followed by polling, so that `models pull` works the same from any
 * machine. A pull interrupted by a failure or a shutdown leaves its `.part` file, and the
 * next pull of the same source resumes it.
 */
export class ModelPulls {
  readonly #options: ModelPullsOptions;
  readonly #pulls = new Map<string, ModelPull>();
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<void>>();

  constructor(options: ModelPullsOptions) {
    this.#options = options;
  }

  /** Starts a pull, or answers the one running into the same file: two writers would mix their bytes. */
  start(request: ModelPullRequest): ModelPull {
    let ref;
    try {
      ref = parseModelRef(request.source);
    } catch (error) {
      const message = `source "${request.source}" is not usable: ${(error as Error).message}`;
      throw new CommonwealError('invalid_request', message, { param: 'source' });
    }
    const path = localModelPath(ref, this.#options.modelsDir);
    const running = [...this.#pulls.values()].filter((pull) => pull.state === 'running');
    const same = running.find((pull) => pull.path === path);
    if (same !== undefined) return same;
    if (running.length >= this.#options.concurrentMax) {
      const message = `${running.length} model pulls are running already; try again once one ends`;
      throw new CommonwealError('overloaded', message);
    }
    const pull: ModelPull = {
      object: 'model.pull',
      id: `pull_${randomUUID().replaceAll('-', '')}`,
      source: request.source,
      path,
      state: 'running',
      progress: null,
      download: null,
      model: null,
      error: null,
      createdAt: new Date().toISOString(),
    };
    this.#pulls.set(pull.id, pull);
    const url = downloadUrlOf(ref, request.hfEndpoint ?? huggingFaceEndpoint);
    const task = this.#run(pull, url, request.sha256).finally(() => {
      this.#running.delete(task);
      this.#forgetOld();
    });
    this.#running.add(task);
    return pull;
  }

  find(id: string): ModelPull | undefined {
    return this.#pulls.get(id);
  }

  /** Stops the downloads, leaving their partial files to resume, and waits for them to end. */
  async close(): Promise<void> {
    this.#stop.abort(new DownloadError('the server shut down; pull again to resume'));
    await Promise.allSettled(this.#running);
  }

  async #run(pull: ModelPull, url: URL | null, sha256: string | undefined): Promise<void> {
    const update = (change: Partial<ModelPull>) => {
      this.#pulls.set(pull.id, { ...this.#pulls.get(pull.id)!, ...change });
    };
    try {
      let download: ModelPull['download'] = null;
      if (url === null) await this.#checkPresent(pull.path);
      else download = await this.#download(url, pull.path, sha256, (progress) => update({ progress }));
      const model = await this.#readInfo(pull.path);
      update({ state: 'succeeded', download, model });
    } catch (error) {
      update({ state: 'failed', error: this.#reason(error, url) });
    }
  }

  async #download(
    url: URL,
    destination: string,
    sha256: string | undefined,
    onProgress: (progress: DownloadProgress) => void,
  ): Promise<ModelPull['download']> {
    const { path: _, ...result } = await downloadModelFile({
      url,
      destination,
      expectedSha256: sha256,
      signal: this.#stop.signal,
      onProgress,
    });
    return result;
  }

  async #checkPresent(path: string): Promise<void> {
    try {
      await access(path);
    } catch (error) {
      throw new CommonwealError('invalid_request', `${path} does not exist or cannot be read`, { cause: error });
    }
  }

  async #readInfo(path: string): Promise<GgufModelInfo> {
    try {
      return ggufModelInfo(await readGgufHeader(path));
    } catch (error) {
      if (!(error instanceof GgufFormatError)) throw error;
      const message = `${path} is not a usable GGUF model: ${error.message}`;
      throw new CommonwealError('invalid_request', message, { cause: error });
    }
  }

  #reason(error: unknown, url: URL | null): string {
    if (error instanceof DownloadError) return `cannot download ${url?.href}: ${error.message}`;
    if (error instanceof CommonwealError) return error.message;
    this.#options.onUnexpected(error);
    return 'the pull failed unexpectedly; the server log says why';
  }

  #forgetOld(): void {
    const finished = [...this.#pulls.values()].filter((pull) => pull.state !== 'running');
    for (const pull of finished.slice(0, Math.max(0, finished.length - finishedKeptMax))) {
      this.#pulls.delete(pull.id);
    }
  }
}
