import { Client, Pool } from 'undici';
import { CommonwealError } from '../errors/index.js';
import type { Engine, UpstreamCall, UpstreamResponse } from './engine.js';
import { type OpenAiBaseUrl, parseOpenAiBaseUrl, toUpstreamPath } from './openai-base-url.js';
import { UpstreamExchange } from './upstream-exchange.js';
import { toUpstreamFailure, UpstreamFailure, type UpstreamTimeouts } from './upstream-failure.js';

export interface OpenAiUpstreamOptions extends UpstreamTimeouts {
  /** Connections kept to one deployment; calls beyond them wait in the pool's queue. */
  readonly connectionsMax: number;
  /** Calls that may wait for a connection; more are refused at once so another deployment can serve them. */
  readonly queuedCallsMax: number;
}

/** The deployment an engine serves, with its credential opened. */
export interface OpenAiUpstreamTarget {
  readonly deploymentId: string;
  readonly baseUrl: string;
  readonly upstreamApiKey: string | null;
}

function checkOptions(options: OpenAiUpstreamOptions): void {
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}

/**
 * Engine kind `openai`: any server that speaks the OpenAI API (vLLM, SGLang, llama.cpp
 * server, Ollama, TGI, MindIE). One keep-alive pool per deployment carries the traffic;
 * health probes use a connection of their own so that they never wait behind it and
 * never mistake a busy server for a dead one.
 */
export class OpenAiUpstreamEngine implements Engine {
  readonly #deploymentId: string;
  readonly #base: OpenAiBaseUrl;
  readonly #authorization: string | null;
  readonly #options: OpenAiUpstreamOptions;
  readonly #pool: Pool;
  readonly #probeClient: Client;
  readonly #callsMax: number;
  #callsInFlight = 0;
  #closing: Promise<void> | null = null;

  constructor(target: OpenAiUpstreamTarget, options: OpenAiUpstreamOptions) {
    checkOptions(options);
    this.#deploymentId = target.deploymentId;
    this.#base = parseOpenAiBaseUrl(target.baseUrl);
    this.#authorization = target.upstreamApiKey ? `Bearer ${target.upstreamApiKey}` : null;
    this.#options = options;
    this.#callsMax = options.connectionsMax + options.queuedCallsMax;
    const timeouts = {
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.firstByteTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
    };
    this.#pool = new Pool(this.#base.origin, { ...timeouts, connections: options.connectionsMax });
    this.#probeClient = new Client(this.#base.origin, timeouts);
  }

  send(call: UpstreamCall): Promise<UpstreamResponse> {
    if (call.signal.aborted) return Promise.reject(call.signal.reason);
    if (this.#callsInFlight >= this.#callsMax) {
      return Promise.reject(new UpstreamFailure('overloaded', this.#deploymentId, this.#options));
    }
    const path = toUpstreamPath(this.#base, call.path);
    this.#callsInFlight += 1;
    const exchange = new UpstreamExchange(call.signal, this.#deploymentId, this.#options, this.#onCallDone);
    this.#pool.dispatch(
      { path, method: call.method, body: call.body, headers: this.#headersFor(call.headers) },
      exchange,
    );
    return exchange.response;
  }

  /** Asks `GET <base>/models`, which every OpenAI-compatible server answers cheaply. */
  async probe(signal: AbortSignal): Promise<void> {
    const headers = this.#authorization === null ? {} : { authorization: this.#authorization };
    let statusCode: number;
    try {
      const response = await this.#probeClient.request({
        path: `${this.#base.apiPath}/models`,
        method: 'GET',
        headers,
        signal,
      });
      statusCode = response.statusCode;
      await response.body.dump();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw toUpstreamFailure(error, this.#deploymentId, this.#options);
    }
    if (statusCode < 200 || statusCode > 299) {
      throw new CommonwealError(
        'upstream_error',
        `the model server answered the health check with status ${statusCode}`,
      );
    }
  }

  close(): Promise<void> {
    // undici rejects a second close once the first has finished; ours may be called twice.
    this.#closing ??= Promise.all([this.#pool.close(), this.#probeClient.close()]).then(() => undefined);
    return this.#closing;
  }

  readonly #onCallDone = (): void => {
    this.#callsInFlight -= 1;
  };

  #headersFor(callHeaders: Readonly<Record<string, string>>): Record<string, string> {
    const headers: Record<string, string> = {};
    // The caller's own credential must never travel upstream; the deployment's replaces it.
    for (const name in callHeaders) if (name !== 'authorization') headers[name] = callHeaders[name]!;
    if (this.#authorization !== null) headers.authorization = this.#authorization;
    return headers;
  }
}
