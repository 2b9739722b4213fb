import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { CommonwealError, toErrorAnswer, writeError } from '../errors/index.js';
import type { UpstreamResponse } from '../engines/index.js';
import { newUsageRecord, type TokenUsage, type UsageOutcome, unmetered } from '../metering/index.js';
import type { AttemptSpan } from '../observability/index.js';
import { noCompliantDeploymentError, policyDeniedError } from '../policy/index.js';
import type { AttemptOutcome, Balancer, RetryPolicy, RoutedDeployment } from '../routing/index.js';
import type { InferenceCatalog } from './inference-catalog.js';
import { type InferenceRequest, upstreamBodies } from './inference-request.js';
import type { GroupCommitWriter } from '../store/index.js';
import { type SettlementDeps, settleRequest } from './settle-request.js';
import { type SseStreamFault, SseUsageFilter } from './sse-usage-filter.js';
import { clientErrorFor, readUpstreamBody } from './upstream-answer.js';
import { completionTokensOf, usageFromAnswer } from './usage-from-answer.js';

export interface InferenceProxyDeps {
  readonly catalog: InferenceCatalog;
  readonly balancer: Balancer;
  readonly retry: RetryPolicy;
  /** The one writer every request's records go through. */
  readonly writer: GroupCommitWriter;
  readonly settlement: SettlementDeps;
  readonly responseSizeBytesMax: number;
  readonly log: Logger;
}

/** How a request ended, for its usage record. */
interface Ending {
  readonly routed: RoutedDeployment | null;
  readonly tokens: TokenUsage;
  readonly status: number;
  readonly outcome: UsageOutcome;
  readonly errorCode: string | null;
  readonly firstByteMs: number | null;
}

/** An attempt that did not answer the client; the loop decides whether to try elsewhere. */
interface Miss {
  readonly outcome: AttemptOutcome;
  readonly routed: RoutedDeployment;
  readonly answer: () => Promise<void>;
}

const errorBodyBytesMax = 64 * 1024;
const noTokens: TokenUsage = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  usageEstimated: false,
});
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/**
 * Sends an inference request to a deployment of its model and relays the answer.
 * Failover happens only while nothing has reached the client; the request's usage
 * record is durable before the answer's last byte is sent, whatever the outcome.
 */
export class InferenceProxy {
  readonly #deps: InferenceProxyDeps;

  constructor(deps: InferenceProxyDeps) {
    this.#deps = deps;
  }

  async serve(request: InferenceRequest, res: ServerResponse): Promise<void> {
    const { policy } = request;
    // Every metered answer has a receipt under the request id, known before the first byte.
    res.setHeader('x-commonweal-receipt', request.requestId);
    if (policy.denied) return this.#answerError(request, res, null, policyDeniedError(policy));
    const candidates = this.#deps.catalog.registry.forModel(request.model.id);
    const tried = new Set<string>();
    const bodyFor = upstreamBodies(request);
    let miss: Miss | undefined;
    let exhausted = false;
    for (let attempt = 1; ; attempt += 1) {
      // `accepts` narrows every pick, the first and each failover alike, to what the policy allows.
      const routed = this.#deps.balancer.pick(candidates, tried, policy.accepts);
      if (routed === undefined) {
        exhausted = true;
        break;
      }
      tried.add(routed.deployment.id);
      miss = await this.#attempt(request, res, routed, bodyFor(routed.deployment.upstreamModel), attempt);
      if (miss === undefined || request.signal.aborted || !this.#deps.retry.shouldRetry(attempt, miss.outcome)) break;
    }
    if (miss === undefined) {
      // Either an answer went out (and was metered), or no deployment could be tried at all.
      if (tried.size === 0) await this.#answerError(request, res, null, this.#noDeployment(request, candidates.length));
      return;
    }
    if (request.signal.aborted) return this.#record(request, this.#aborted(miss.routed, null, noTokens));
    // Every allowed deployment failed: say so, rather than pass on the last failure as if no other deployment existed.
    if (exhausted && policy.excludesAny)
      return this.#answerError(request, res, miss.routed, noCompliantDeploymentError(policy));
    return miss.answer();
  }

  #noDeployment(request: InferenceRequest, deploymentCount: number): CommonwealError {
    if (request.policy.excludesAny) return noCompliantDeploymentError(request.policy);
    const why = deploymentCount === 0 ? 'has no deployment' : 'has no deployment that is enabled and healthy right now';
    return new CommonwealError('no_healthy_deployment', `model "${request.model.id}" ${why}`);
  }

  async #attempt(
    request: InferenceRequest,
    res: ServerResponse,
    routed: RoutedDeployment,
    requestBody: Buffer,
    attempt: number,
  ): Promise<Miss | undefined> {
    const { stats, engine, deployment } = routed;
    const span = request.span?.startAttempt({
      deploymentId: deployment.id,
      siteId: deployment.siteId,
      upstreamModel: deployment.upstreamModel ?? request.model.id,
      resendCount: attempt - 1,
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': request.requestId };
    span?.addHeaders(headers);
    stats.onStart();
    const sentAtMs = performance.now();
    let upstream: UpstreamResponse;
    try {
      upstream = await engine.send({
        method: 'POST',
        path: request.path,
        body: requestBody,
        headers,
        signal: request.signal,
        tenant: request.caller.organizationId,
      });
    } catch (error) {
      waited(request, sentAtMs);
      this.#settle(routed, { error }, span);
      return { outcome: { error }, routed, answer: () => this.#answerError(request, res, routed, error) };
    }
    stats.onFirstByte(waited(request, sentAtMs));
    if (upstream.statusCode >= 400) return this.#upstreamRefused(request, res, routed, upstream, span);
    if (request.stream) {
      try {
        await this.#relayStream(request, res, routed, upstream);
        this.#settle(routed, { statusCode: upstream.statusCode }, span);
      } catch (error) {
        // The answer has begun: the relay ended it and metered it; nothing may be retried.
        this.#settle(routed, { error }, span);
      }
      return undefined;
    }
    let body: Buffer;
    const readFromMs = performance.now();
    try {
      body = await readUpstreamBody(upstream.body, this.#deps.responseSizeBytesMax);
    } catch (error) {
      waited(request, readFromMs);
      this.#settle(routed, { error }, span);
      return { outcome: { error }, routed, answer: () => this.#answerError(request, res, routed, error) };
    }
    waited(request, readFromMs);
    this.#settle(routed, { statusCode: upstream.statusCode }, span);
    // Only the upstream's failures above may become a retry or an error answer; a failure
    // to meter the answer propagates, so the request is never recorded twice.
    await this.#relayJson(request, res, routed, upstream, body);
    return undefined;
  }

  #settle(routed: RoutedDeployment, outcome: AttemptOutcome, span: AttemptSpan | undefined): void {
    if (this.#deps.retry.isDeploymentFault(outcome)) routed.stats.onFailure();
    else if ('statusCode' in outcome) routed.stats.onSuccess();
    routed.stats.onEnd();
    span?.end(outcome);
  }

  async #upstreamRefused(
    request: InferenceRequest,
    res: ServerResponse,
    routed: RoutedDeployment,
    upstream: UpstreamResponse,
    span: AttemptSpan | undefined,
  ): Promise<Miss> {
    const outcome = { statusCode: upstream.statusCode };
    let body: Buffer;
    const readFromMs = performance.now();
    try {
      body = await readUpstreamBody(upstream.body, errorBodyBytesMax);
    } catch {
      body = Buffer.alloc(0);
    }
    waited(request, readFromMs);
    this.#settle(routed, outcome, span);
    const answer = clientErrorFor(upstream.statusCode, body);
    return {
      outcome,
      routed,
      answer: async () => {
        if (!(answer.body instanceof CommonwealError)) request.digest.relayed(answer.body);
        await this.#record(request, this.#failed(routed, answer.status, answer.errorCode));
        if (answer.body instanceof CommonwealError) {
          writeError(res, answer.body, this.#placeHeaders(routed));
          return;
        }
        res.writeHead(answer.status, {
          ...this.#placeHeaders(routed),
          'content-type': 'application/json',
          'content-length': answer.body.length,
        });
        res.end(answer.body);
      },
    };
  }

  async #answerError(
    request: InferenceRequest,
    res: ServerResponse,
    routed: RoutedDeployment | null,
    error: unknown,
  ): Promise<void> {
    if (request.signal.aborted) return this.#record(request, this.#aborted(routed, null, noTokens));
    const status = error instanceof CommonwealError ? error.status : 500;
    const code = error instanceof CommonwealError ? error.code : 'internal_error';
    await this.#record(
      request,
      routed === null
        ? { ...this.#failed(null, status, code), outcome: 'rejected' }
        : this.#failed(routed, status, code),
    );
    if (writeError(res, error, routed === null ? {} : this.#placeHeaders(routed)))
      this.#deps.log.error({ err: error, requestId: request.requestId }, 'inference failed');
  }

  async #relayJson(
    request: InferenceRequest,
    res: ServerResponse,
    routed: RoutedDeployment,
    upstream: UpstreamResponse,
    body: Buffer,
  ): Promise<void> {
    let answer: unknown;
    try {
      answer = JSON.parse(body.toString('utf8'));
    } catch {
      answer = undefined;
    }
    const reported = (answer as { usage?: unknown } | undefined)?.usage;
    const tokens = usageFromAnswer(typeof reported === 'object' && reported !== null ? reported : undefined, {
      promptBytes: request.bodySizeBytes,
      completionTokens: completionTokensOf(answer),
    });
    const firstByteMs = Math.round(performance.now() - request.startedAtMs);
    // The client asked for the catalog's model, and is told that name, not the upstream's own.
    const named = answerNamed(answer, request.model.id);
    if (named !== undefined) body = Buffer.from(JSON.stringify(named));
    request.digest.relayed(body);
    await this.#record(request, {
      routed,
      tokens,
      status: upstream.statusCode,
      outcome: 'success',
      errorCode: null,
      firstByteMs,
    });
    res.writeHead(upstream.statusCode, {
      ...forwardable(upstream),
      ...this.#placeHeaders(routed),
      'content-length': body.length,
    });
    res.end(body);
  }

  async #relayStream(
    request: InferenceRequest,
    res: ServerResponse,
    routed: RoutedDeployment,
    upstream: UpstreamResponse,
  ): Promise<void> {
    const filter = new SseUsageFilter(request.clientWantsUsage, request.model.id);
    let firstByteMs: number | null = null;
    const tokens = () =>
      usageFromAnswer(filter.usage, { promptBytes: request.bodySizeBytes, completionTokens: filter.contentEvents });
    // The head goes out with the first event, in one write: a write costs a system call
    // and wakes the client, and the first event is what the client waits for anyway.
    res.writeHead(upstream.statusCode, {
      ...forwardable(upstream),
      ...this.#placeHeaders(routed),
      'cache-control': 'no-cache',
    });
    let tail = '';
    // The waits for the next chunk, and for a slow client to drain, are not Commonweal's time.
    let waitFromMs = performance.now();
    try {
      for await (const chunk of upstream.body as AsyncIterable<Buffer | string>) {
        waited(request, waitFromMs);
        const out = filter.push(chunk);
        let flushed = true;
        if (out !== '') {
          firstByteMs ??= Math.round(performance.now() - request.startedAtMs);
          request.digest.relayed(out);
          flushed = res.write(out);
        }
        waitFromMs = performance.now();
        if (!flushed) await once(res, 'drain', { signal: request.signal });
        // Leaving the loop destroys the body, which cancels the upstream request.
        if (filter.fault !== undefined) throw streamFault(filter.fault);
      }
      waited(request, waitFromMs);
      tail = filter.flush();
      if (filter.fault !== undefined) throw streamFault(filter.fault);
    } catch (error) {
      if (request.signal.aborted) {
        await this.#record(request, this.#aborted(routed, firstByteMs, tokens()));
        throw error;
      }
      const failure = midStreamFailure(error);
      if (failure !== error) this.#deps.log.error({ err: error, requestId: request.requestId }, 'stream relay failed');
      // An event the upstream left unfinished is dropped, as an SSE client would drop it;
      // sent on, it would run into the error event and garble both.
      const last = `data: ${JSON.stringify(toErrorAnswer(failure).body)}\n\n`;
      request.digest.relayed(last);
      await this.#record(request, {
        ...this.#failed(routed, res.statusCode, failure.code),
        tokens: tokens(),
        firstByteMs,
      });
      res.end(last);
      throw error;
    }
    const last = filter.sawDone ? `${tail}data: [DONE]\n\n` : tail;
    // The receipt's digest covers the whole answer, so the last bytes are counted before it is written.
    request.digest.relayed(last);
    await this.#record(request, {
      routed,
      tokens: tokens(),
      status: res.statusCode,
      outcome: 'success',
      errorCode: null,
      firstByteMs,
    });
    res.end(last);
  }

  #placeHeaders(routed: RoutedDeployment): Record<string, string> {
    const site = this.#deps.catalog.site(routed.deployment.siteId);
    return {
      'x-commonweal-deployment': routed.deployment.id,
      'x-commonweal-site': routed.deployment.siteId,
      ...(site === undefined ? {} : { 'x-commonweal-jurisdiction': site.jurisdiction }),
    };
  }

  #failed(routed: RoutedDeployment | null, status: number, errorCode: string): Ending {
    return { routed, tokens: noTokens, status, outcome: 'upstream_error', errorCode, firstByteMs: null };
  }

  #aborted(routed: RoutedDeployment | null, firstByteMs: number | null, tokens: TokenUsage): Ending {
    // 499: the client closed the request, as nginx logs it; no answer was delivered.
    return { routed, tokens, status: 499, outcome: 'client_aborted', errorCode: 'client_closed_request', firstByteMs };
  }

  /**
   * Writes the request's usage record and resolves once it is durable. When metering
   * fails the answer must not be delivered as complete, so the failure propagates.
   */
  async #record(request: InferenceRequest, ending: Ending): Promise<void> {
    request.meteredTokens = ending.tokens;
    const { routed } = ending;
    const site = routed === null ? undefined : this.#deps.catalog.site(routed.deployment.siteId);
    const record = newUsageRecord({
      id: request.requestId,
      organizationId: request.caller.organizationId,
      projectId: request.caller.projectId,
      apiKeyId: request.caller.keyId,
      modelId: request.model.id,
      endpoint: request.endpoint,
      deploymentId: routed?.deployment.id ?? null,
      siteId: routed?.deployment.siteId ?? null,
      jurisdiction: site?.jurisdiction ?? null,
      ...ending.tokens,
      firstByteMs: ending.firstByteMs,
      totalMs: Math.round(performance.now() - request.startedAtMs),
      status: ending.status,
      outcome: ending.outcome,
      errorCode: ending.errorCode,
      streamed: request.stream,
      policyVersion: request.policy.version,
      ...(request.hold?.price(ending.tokens) ?? unmetered),
    });
    const settlement = { request, routed, site };
    const { span } = request;
    span?.answered({
      responseModel: routed === null ? null : (routed.deployment.upstreamModel ?? request.model.id),
      inputTokens: ending.tokens.promptTokens,
      outputTokens: ending.tokens.completionTokens,
      siteId: record.siteId,
      jurisdiction: record.jurisdiction,
      errorCode: ending.errorCode,
    });
    const written = this.#deps.writer.submit((tx) => settleRequest(tx, this.#deps.settlement, record, settlement));
    await (span === null ? written : span.startStep('durable write').until(written));
    request.recorded = record;
  }
}

/** Adds the time since `sinceMs` to the request's wait on model servers, and returns it. */
function waited(request: InferenceRequest, sinceMs: number): number {
  const waitMs = performance.now() - sinceMs;
  request.upstreamWaitMs = (request.upstreamWaitMs ?? 0) + waitMs;
  return waitMs;
}

/** The answer renamed to `modelId`; undefined when it needs no renaming. */
function answerNamed(answer: unknown, modelId: string): object | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const { model } = answer as { model?: unknown };
  return typeof model === 'string' && model !== modelId ? { ...answer, model: modelId } : undefined;
}

function forwardable(upstream: UpstreamResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !hopByHop.has(name) && !name.startsWith('x-commonweal-'))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

const streamFaultMessages: Readonly<Record<SseStreamFault, string>> = Object.freeze({
  error_event: 'the model server reported an error while answering',
  malformed_event: 'the model server sent an invalid event stream',
});

/** The upstream's own error text stays out of the answer, as it does for an error status. */
function streamFault(fault: SseStreamFault): CommonwealError {
  return new CommonwealError('upstream_error', streamFaultMessages[fault]);
}

/** What a client is told when its stream breaks: our own error as it is, anything else as an upstream failure. */
function midStreamFailure(error: unknown): CommonwealError {
  return error instanceof CommonwealError
    ? error
    : new CommonwealError('upstream_error', 'the model server failed while answering', { cause: error });
}
