import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { TokenUsage } from '../metering/index.js';
import type { ServedRequest } from '../observability/index.js';
import type { InferenceCaller } from './key-table.js';
import type { InferenceRequest } from './inference-request.js';

/**
 * The facts of one /v1 request that its access line reports, filled in as the handler
 * learns them: a request refused at authentication has no organization, one refused
 * before the proxy has no deployment. Never a body, a key's secret or a header.
 */
export class AccessLine {
  readonly #startedAtMs = performance.now();
  readonly #requestId: string;
  readonly #method: string | undefined;
  readonly #path: string;
  caller: InferenceCaller | null = null;
  modelId: string | null = null;
  tokens: TokenUsage | null = null;
  /** Set once the request is validated: the model it resolved to, and what the proxy recorded. */
  request: InferenceRequest | null = null;
  /** The code of an error thrown out of the handler, as refusals by admission are. */
  errorCode: string | null = null;

  constructor(requestId: string, req: IncomingMessage) {
    this.#requestId = requestId;
    this.#method = req.method;
    this.#path = (req.url ?? '/').split('?')[0]!;
  }

  /**
   * Logs the line, once the handler is done with the request: its record, if it has one,
   * is durable by then. A response never ended is a client that left: 499, as nginx logs it.
   */
  write(res: ServerResponse, log: Logger): void {
    log.info(this.#fields(res), 'inference request');
  }

  /** The request's facts for the metrics, read when the line is written. */
  served(res: ServerResponse): ServedRequest {
    const { request } = this;
    const recorded = request?.recorded ?? null;
    const status = res.writableEnded ? res.statusCode : 499;
    return {
      path: this.#path,
      modelId: request?.model.id ?? null,
      organizationId: this.caller?.organizationId ?? null,
      keyId: this.caller?.keyId ?? null,
      status,
      errorCode: status === 499 ? 'client_closed_request' : (this.errorCode ?? recorded?.errorCode ?? null),
      streamed: request?.stream ?? false,
      promptTokens: this.tokens?.promptTokens ?? null,
      completionTokens: this.tokens?.completionTokens ?? null,
      durationMs: performance.now() - this.#startedAtMs,
      firstByteMs: recorded?.firstByteMs ?? null,
      upstreamWaitMs: request?.upstreamWaitMs ?? null,
      creditsChargedMicro: recorded?.creditsChargedMicro ?? null,
      creditsWrittenOffMicro: recorded?.creditsWrittenOffMicro ?? null,
    };
  }

  #fields(res: ServerResponse): Record<string, unknown> {
    const header = (name: string) => (res.getHeader(name) as string | undefined) ?? null;
    return {
      requestId: this.#requestId,
      method: this.#method,
      path: this.#path,
      organizationId: this.caller?.organizationId ?? null,
      projectId: this.caller?.projectId ?? null,
      keyId: this.caller?.keyId ?? null,
      model: this.modelId,
      deployment: header('x-commonweal-deployment'),
      site: header('x-commonweal-site'),
      status: res.writableEnded ? res.statusCode : 499,
      promptTokens: this.tokens?.promptTokens ?? null,
      completionTokens: this.tokens?.completionTokens ?? null,
      latencyMs: Math.round(performance.now() - this.#startedAtMs),
    };
  }
}
