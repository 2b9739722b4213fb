import { access } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { EmbeddedEngineOptions } from '../catalog/index.js';
import { CommonwealError, toErrorAnswer } from '../errors/index.js';
import { GgufFormatError, localModelPath, type ModelRef, parseModelRef, readGgufHeader } from '../model-files/index.js';
import { ChatCompletionAnswer } from './chat-completion-answer.js';
import { type ChatCompletionRequest, parseChatCompletionRequest } from './chat-completion-request.js';
import { notInstalledMessage, type EmbeddedRuntime } from './embedded-runtime.js';
import {
  checkDimensions,
  type EmbeddingsRequest,
  embeddingsAnswer,
  parseEmbeddingsRequest,
} from './embeddings-request.js';
import type { Engine, EngineStatus, UpstreamCall, UpstreamResponse } from './engine.js';
import { FairQueue, QueueFullError } from './fair-queue.js';
import { loadLlamaCppModel } from './llama-cpp-model.js';
import type { LoadedModel } from './loaded-model.js';
import { ModelLifecycle } from './model-lifecycle.js';
import { UpstreamFailure } from './upstream-failure.js';

/** A deployment of kind `embedded`: its id, model source and engine options. */
export interface EmbeddedTarget {
  readonly deploymentId: string;
  readonly source: string;
  readonly options: EmbeddedEngineOptions;
}

type Parsed =
  | { readonly kind: 'chat'; readonly request: ChatCompletionRequest }
  | { readonly kind: 'embeddings'; readonly request: EmbeddingsRequest };

/** Ends a request: gives its queue slot and its hold on the model back. */
type Done = () => void;

function jsonResponse(statusCode: number, body: Buffer): UpstreamResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    body: Readable.from([body]),
  };
}

/** An error about the request, answered in OpenAI's shape as a model server would. */
function errorResponse(error: CommonwealError): UpstreamResponse {
  const answer = toErrorAnswer(error);
  return jsonResponse(answer.status, Buffer.from(JSON.stringify(answer.body)));
}

function parseRequest(call: UpstreamCall): Parsed | CommonwealError {
  const path = call.path.split('?')[0];
  if (path !== '/v1/chat/completions' && path !== '/v1/embeddings')
    return new CommonwealError('route_not_found', `the embedded engine does not serve ${path}`);
  let body: unknown;
  try {
    body = JSON.parse(call.body?.toString('utf8') ?? '');
  } catch {
    return new CommonwealError('invalid_json', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return new CommonwealError('invalid_request', 'the request body must be a JSON object');
  try {
    const record = body as Record<string, unknown>;
    return path === '/v1/embeddings'
      ? { kind: 'embeddings', request: parseEmbeddingsRequest(record) }
      : { kind: 'chat', request: parseChatCompletionRequest(record) };
  } catch (error) {
    if (error instanceof CommonwealError) return error;
    throw error;
  }
}

/** Resolves as `promise` does, or rejects with the signal's reason if it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Runs a GGUF model inside Commonweal with node-llama-cpp. It answers OpenAI requests
 * with the bytes an OpenAI-compatible server would send (JSON, or server-sent events
 * with `usage` carrying the engine's exact token counts), so the gateway's balancer,
 * failover, metering and headers treat it like any deployment.
 *
 * Requests wait their turn in a fair, bounded queue with one slot per parallel sequence
 * of the model's context; one more than the queue holds is answered 429 at once. The
 * model is loaded on the first request and unloaded after `idleUnloadMs` without any.
 */
export class EmbeddedLlamaEngine implements Engine {
  readonly #target: EmbeddedTarget;
  readonly #runtime: EmbeddedRuntime;
  readonly #ref: ModelRef;
  readonly #path: string;
  readonly #queue: FairQueue;
  readonly #lifecycle: ModelLifecycle;
  readonly #active = new Set<Promise<void>>();
  #closing = false;

  /** Throws a TypeError when the source is not a model reference. */
  constructor(target: EmbeddedTarget, runtime: EmbeddedRuntime) {
    this.#target = target;
    this.#runtime = runtime;
    this.#ref = parseModelRef(target.source);
    this.#path = localModelPath(this.#ref, runtime.options.modelsDir);
    this.#queue = new FairQueue(target.options.parallelSequences ?? 1, runtime.options.queuedRequestsMax);
    const knownFailure = runtime.installed ? undefined : new CommonwealError('engine_unavailable', notInstalledMessage);
    this.#lifecycle = new ModelLifecycle((signal) => this.#load(signal), runtime.options, knownFailure);
  }

  async send(call: UpstreamCall): Promise<UpstreamResponse> {
    if (call.signal.aborted) throw call.signal.reason;
    if (this.#closing) throw new UpstreamFailure('closed', this.#target.deploymentId, this.#runtime.options.timeouts);
    const parsed = parseRequest(call);
    if (parsed instanceof CommonwealError) return errorResponse(parsed);
    let finish!: () => void;
    const active = new Promise<void>((resolve) => (finish = resolve));
    this.#active.add(active);
    void active.then(() => this.#active.delete(active));
    return this.#admit(parsed, call, finish);
  }

  /**
   * An in-process engine has no connection to lose, so the health check always passes:
   * its failures are known when a request comes, fail over at no cost, and its state is
   * reported by /readyz and the admin API. An open circuit would only replace the reason
   * clients get with `no_healthy_deployment`.
   */
  async probe(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#active);
    await this.#lifecycle.close();
  }

  status(): EngineStatus {
    return {
      ...this.#lifecycle.snapshot(),
      requestsRunning: this.#queue.running,
      requestsWaiting: this.#queue.waiting,
    };
  }

  /** Unloads the model now unless a request uses it. */
  unloadIfIdle(): Promise<void> {
    return this.#lifecycle.unloadIfIdle();
  }

  async #admit(parsed: Parsed, call: UpstreamCall, finish: () => void): Promise<UpstreamResponse> {
    const callSignal = call.signal;
    const { timeouts } = this.#runtime.options;
    const controller = new AbortController();
    const onCallAbort = (): void => controller.abort(callSignal.reason);
    callSignal.addEventListener('abort', onCallAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new UpstreamFailure('total_timeout', this.#target.deploymentId, timeouts)),
      timeouts.totalTimeoutMs,
    ).unref();
    let release: (() => void) | null = null;
    let holdsModel = false;
    let ended = false;
    const done: Done = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      callSignal.removeEventListener('abort', onCallAbort);
      release?.();
      if (holdsModel) this.#lifecycle.release();
      finish();
    };
    try {
      release = await this.#queue.acquire(controller.signal, call.tenant);
      const model = await this.#acquireModel(controller.signal);
      holdsModel = true;
      // Not awaited here: the generation calls `done` itself, when its answer has ended.
      return this.#generate(parsed, model, controller, done);
    } catch (error) {
      done();
      if (!(error instanceof QueueFullError)) throw error;
      const waiting = `deployment "${this.#target.deploymentId}" has ${this.#queue.waiting} requests waiting already; retry later`;
      return errorResponse(new CommonwealError('engine_busy', waiting));
    }
  }

  /** Waits for the model, loading it if need be; a request that leaves meanwhile lets go of it. */
  async #acquireModel(signal: AbortSignal): Promise<LoadedModel> {
    const acquiring = this.#lifecycle.acquire();
    try {
      return await untilAborted(acquiring, signal);
    } catch (error) {
      if (!signal.aborted)
        throw new UpstreamFailure('unavailable', this.#target.deploymentId, this.#runtime.options.timeouts, error);
      acquiring.then(
        () => this.#lifecycle.release(),
        () => undefined,
      );
      throw error;
    }
  }

  #generate(parsed: Parsed, model: LoadedModel, controller: AbortController, done: Done): Promise<UpstreamResponse> {
    if (parsed.kind === 'embeddings') return this.#embeddings(parsed.request, model, controller.signal, done);
    if (parsed.request.stream) return this.#chatStream(parsed.request, model, controller, done);
    return this.#chatJson(parsed.request, model, controller.signal, done);
  }

  async #chatJson(
    request: ChatCompletionRequest,
    model: LoadedModel,
    signal: AbortSignal,
    done: Done,
  ): Promise<UpstreamResponse> {
    try {
      const outcome = await model.chat(request.generation, () => undefined, signal);
      return jsonResponse(200, new ChatCompletionAnswer(request.model).json(outcome));
    } catch (error) {
      return this.#failedBeforeAnswer(error, signal);
    } finally {
      done();
    }
  }

  /**
   * Resolves with the response once the first token exists, like a model server whose
   * first byte is its first token; until then a failure can still fail over or become a
   * 400. The body has no backpressure on generation: an answer is bounded by the
   * context size, so at most some hundred KB wait for a slow client.
   */
  #chatStream(
    request: ChatCompletionRequest,
    model: LoadedModel,
    controller: AbortController,
    done: Done,
  ): Promise<UpstreamResponse> {
    const answer = new ChatCompletionAnswer(request.model);
    let ended = false;
    const body = new Readable({
      // The events are made as text and relayed as text: a token is not turned into bytes before it reaches the socket.
      encoding: 'utf8',
      read: () => undefined,
      destroy: (error, callback) => {
        // The consumer gave up before the end: stop generating for nobody.
        if (!ended) controller.abort(error ?? new Error('the response body was destroyed before its end'));
        callback(error);
      },
    });
    return new Promise((resolve, reject) => {
      let started = false;
      const start = (): void => {
        if (started) return;
        started = true;
        resolve({
          statusCode: 200,
          headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
          body,
        });
        body.push(answer.roleEvent());
      };
      model
        .chat(request.generation, (text) => (start(), body.push(answer.contentEvent(text))), controller.signal)
        .then(
          (outcome) => {
            start();
            ended = true;
            body.push(answer.endEvents(outcome, request.includeUsage));
            body.push(null);
          },
          (error: unknown) => {
            if (!started) return this.#failedBeforeAnswer(error, controller.signal).then(resolve, reject);
            ended = true;
            const failure = this.#midAnswerFailure(error, controller.signal);
            body.destroy(failure instanceof Error ? failure : new Error('the request was aborted'));
          },
        )
        .finally(done);
    });
  }

  async #embeddings(
    request: EmbeddingsRequest,
    model: LoadedModel,
    signal: AbortSignal,
    done: Done,
  ): Promise<UpstreamResponse> {
    try {
      checkDimensions(request, model.embeddingLength);
      return jsonResponse(200, embeddingsAnswer(request, await model.embed(request.inputs, signal)));
    } catch (error) {
      return this.#failedBeforeAnswer(error, signal);
    } finally {
      done();
    }
  }

  /** A request-level error becomes the answer; anything else rejects, for the gateway to fail over. */
  async #failedBeforeAnswer(error: unknown, signal: AbortSignal): Promise<UpstreamResponse> {
    if (signal.aborted) throw signal.reason;
    if (error instanceof CommonwealError && error.status < 500) return errorResponse(error);
    throw this.#midAnswerFailure(error, signal);
  }

  #midAnswerFailure(error: unknown, signal: AbortSignal): unknown {
    if (signal.aborted) return signal.reason;
    this.#runtime.options.log('error', `deployment "${this.#target.deploymentId}": generation failed`, error);
    const cause = new CommonwealError(
      'engine_unavailable',
      'the embedded engine failed while generating; the server log says why',
      { cause: error },
    );
    return new UpstreamFailure('unavailable', this.#target.deploymentId, this.#runtime.options.timeouts, cause);
  }

  async #load(signal: AbortSignal): Promise<LoadedModel> {
    if (!this.#runtime.installed) throw new CommonwealError('engine_unavailable', notInstalledMessage);
    await this.#checkFile();
    const { module, llama } = await this.#runtime.binding();
    const options = this.#target.options;
    try {
      return await loadLlamaCppModel(module, llama, {
        path: this.#path,
        contextSize: options.contextSize ?? null,
        gpuLayers: options.gpuLayers ?? 'auto',
        sequences: options.parallelSequences ?? 1,
        threads: options.threads ?? null,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      this.#runtime.options.log(
        'error',
        `deployment "${this.#target.deploymentId}": llama.cpp could not load ${this.#path}`,
        error,
      );
      throw new CommonwealError(
        'engine_unavailable',
        'llama.cpp could not load the model file; the server log says why',
        { cause: error },
      );
    }
  }

  /** Gives a missing or broken file a reason of its own, before llama.cpp is even started. */
  async #checkFile(): Promise<void> {
    try {
      await access(this.#path);
    } catch (error) {
      // The path is the operator's to fix, and they read this reason in /readyz and the 503.
      const reason =
        this.#ref.kind === 'file'
          ? `the model file ${this.#path} does not exist or cannot be read`
          : `the model file has not been downloaded yet to ${this.#path}: ` +
            `run "commonweal models pull ${this.#target.source} --no-register"`;
      throw new CommonwealError('engine_unavailable', reason, { cause: error });
    }
    try {
      await readGgufHeader(this.#path);
    } catch (error) {
      const detail = error instanceof GgufFormatError ? error.message : 'it cannot be read';
      throw new CommonwealError('engine_unavailable', `the model file is not a usable GGUF model: ${detail}`, {
        cause: error,
      });
    }
  }
}
