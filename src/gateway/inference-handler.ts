import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { ExchangeDigest } from '../audit/index.js';
import { CommonwealError, writeError } from '../errors/index.js';
import type { Ledger } from '../ledger/index.js';
import type { DenialCounter, UsageEndpoint } from '../metering/index.js';
import type { GatewayMetrics, GenAiOperation, InferenceTracer, RequestSpan } from '../observability/index.js';
import type { PolicyEngine } from '../policy/index.js';
import { newTimeOrderedId } from '../store/index.js';
import type { Admission } from './admission.js';
import { AccessLine } from './access-line.js';
import { answerBillingStatement, billingStatementPath } from './billing-statement-endpoint.js';
import { completionLengthOf } from './completion-length.js';
import { exclusionCause } from './exclusion-cause.js';
import type { InferenceCatalog } from './inference-catalog.js';
import type { InferenceProxy } from './inference-proxy.js';
import type { InferenceRequest } from './inference-request.js';
import type { InferenceCaller } from './key-table.js';
import { toOpenAiModel } from './models-endpoint.js';
import { parseJsonObject, readBody } from './read-body.js';

export interface InferenceHandlerDeps {
  readonly catalog: InferenceCatalog;
  readonly proxy: InferenceProxy;
  readonly policy: PolicyEngine;
  /** Rate limits and credit holds; without it every request runs unmetered. */
  readonly admission?: Admission | undefined;
  /** For /v1/billing/statement. */
  readonly ledger?: Ledger | undefined;
  readonly bodySizeBytesMax: number;
  readonly log: Logger;
  /** Counts the requests refused before they reach the proxy, which write no usage record. */
  readonly denials?: DenialCounter | undefined;
  /** Counts each request where its access line is written; absent when metrics are off. */
  readonly metrics?: GatewayMetrics | undefined;
  /** Starts each request's span; without it nothing is traced and no `traceparent` is read or sent. */
  readonly tracer?: InferenceTracer | undefined;
  /** Replicas sharing a database: says when this one must refuse requests; absent for a single process. */
  readonly gate?: ServingGate | undefined;
}

/** Whether requests may be admitted now; see `ReplicaConfigSync`. */
export interface ServingGate {
  /** The error to answer with while requests must be refused, else undefined. */
  refusal(): CommonwealError | undefined;
}

/** How far a request got: one that never reached the proxy has no usage record, so its refusal is counted apart. */
interface Progress {
  proxied: boolean;
}

const completionPaths: Readonly<Record<string, UsageEndpoint>> = Object.freeze({
  '/v1/chat/completions': 'chat.completions',
  '/v1/embeddings': 'embeddings',
});

const operations: Readonly<Record<UsageEndpoint, GenAiOperation>> = Object.freeze({
  'chat.completions': 'chat',
  embeddings: 'embeddings',
});

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The OpenAI-compatible API under /v1, on plain node:http: authenticate from memory,
 * read a bounded body, resolve the model, then hand over to the proxy. The handler's
 * promise lets a shutdown wait until every request it took is recorded.
 */
export function createInferenceHandler(
  deps: InferenceHandlerDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return (req, res) => {
    const requestId = newTimeOrderedId('req');
    res.setHeader('x-request-id', requestId);
    const line = new AccessLine(requestId, req);
    const progress: Progress = { proxied: false };
    const span = deps.tracer === undefined ? null : startSpan(deps.tracer, req, requestId);
    // Resolves once the request is recorded, whichever way it ended; it never rejects.
    return handle(deps, req, res, line, requestId, progress, span)
      .catch((error: unknown) => {
        span?.failed(error);
        line.errorCode = error instanceof CommonwealError ? error.code : 'internal_error';
        if (!progress.proxied && error instanceof CommonwealError)
          deps.denials?.add(line.caller?.organizationId ?? null, error.code);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (writeError(res, error)) deps.log.error({ err: error, requestId }, 'inference request failed');
      })
      .finally(() => {
        line.write(res, deps.log);
        deps.metrics?.observe(line.served(res));
        span?.end(res.writableEnded ? res.statusCode : 499);
      });
  };
}

function startSpan(tracer: InferenceTracer, req: IncomingMessage, requestId: string): RequestSpan {
  const path = (req.url ?? '/').split('?')[0]!;
  return tracer.startRequest({ headers: req.headers, method: req.method, path, requestId });
}

async function handle(
  deps: InferenceHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  line: AccessLine,
  requestId: string,
  progress: Progress,
  span: RequestSpan | null,
): Promise<void> {
  const refusal = deps.gate?.refusal();
  if (refusal !== undefined) throw refusal;
  const startedAtMs = performance.now();
  const path = (req.url ?? '/').split('?')[0]!;
  const endpoint = completionPaths[path];
  const isModels = path === '/v1/models' || path.startsWith('/v1/models/');
  const isStatement = deps.ledger !== undefined && path === billingStatementPath;
  if (endpoint === undefined && !isModels && !isStatement)
    throw new CommonwealError('route_not_found', `no route for ${req.method} ${path}`);
  const expected = endpoint === undefined ? 'GET' : 'POST';
  if (req.method !== expected)
    throw new CommonwealError('method_not_allowed', `${path} takes ${expected}, not ${req.method}`);
  const caller = deps.catalog.keys.authenticate(req.headers.authorization, Date.now());
  line.caller = caller;
  span?.caller(caller.organizationId, caller.projectId);
  if (isStatement) return answerBillingStatement(deps.ledger!, caller, req.url ?? path, res);
  if (endpoint === undefined) return answerModels(deps, res, path, caller);
  const raw = await readBody(req, deps.bodySizeBytesMax);
  // Again once the body is in, however long it took: the policy is decided right below.
  const lateRefusal = deps.gate?.refusal();
  if (lateRefusal !== undefined) throw lateRefusal;
  const body = parseJsonObject(raw);
  line.modelId = typeof body.model === 'string' ? body.model.slice(0, 128) : null;
  const request = inferenceRequest(deps, { requestId, startedAtMs, caller, endpoint, path, body, raw, res, span });
  line.request = request;
  if (span?.recording) traceInference(span, request);
  try {
    await serveAdmitted(deps, request, res, progress);
  } finally {
    line.tokens = request.meteredTokens;
  }
  // A client that went away mid-answer leaves the response unfinished; closing its socket
  // frees the connection now rather than at shutdown.
  if (!res.writableEnded) res.destroy();
}

/**
 * Admits the request (rate limits, credit hold), then serves it. By the time `serve`
 * returns, the request's charge has committed with its usage record, or no record was
 * written; either way what is left of the hold is freed here, on every path.
 */
async function serveAdmitted(
  deps: InferenceHandlerDeps,
  request: InferenceRequest,
  res: ServerResponse,
  progress: Progress,
): Promise<void> {
  // Policy comes first: a request nothing may serve is refused (403) by the proxy before it
  // takes a rate-limit token or credits. Its record still gets its charge, of nothing.
  const admission = deps.admission;
  if (admission !== undefined && request.policy.denied) request.hold = admission.holdNothing(request);
  else if (admission !== undefined) {
    const admitted = admission.admit(request, res);
    request.hold = await (request.span === null ? admitted : request.span.startStep('admission').until(admitted));
  }
  progress.proxied = true;
  try {
    await deps.proxy.serve(request, res);
  } finally {
    request.hold?.release();
  }
}

function inferenceRequest(
  deps: InferenceHandlerDeps,
  input: {
    requestId: string;
    startedAtMs: number;
    caller: InferenceCaller;
    endpoint: UsageEndpoint;
    path: string;
    body: Record<string, unknown>;
    raw: Buffer;
    res: ServerResponse;
    span: RequestSpan | null;
  },
): InferenceRequest {
  const { body } = input;
  if (typeof body.model !== 'string' || body.model === '') {
    throw new CommonwealError('invalid_request', 'you must provide a model parameter', { param: 'model' });
  }
  const model = deps.catalog.model(body.model);
  if (model === undefined) {
    throw new CommonwealError(
      'model_not_found',
      `the model "${body.model.slice(0, 128)}" does not exist or you do not have access to it`,
      { param: 'model' },
    );
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw new CommonwealError('invalid_request', 'stream must be a boolean', { param: 'stream' });
  }
  const completion = completionLengthOf(body, input.endpoint, model.contextLength);
  const stream = input.endpoint === 'chat.completions' && body.stream === true;
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  const abort = new AbortController();
  // The client going away cancels the upstream call at once.
  input.res.once('close', () => {
    if (!input.res.writableFinished)
      abort.abort(new CommonwealError('invalid_request', 'the client closed the request'));
  });
  return {
    requestId: input.requestId,
    startedAtMs: input.startedAtMs,
    caller: input.caller,
    endpoint: input.endpoint,
    path: input.path,
    model,
    body,
    bodySizeBytes: input.raw.length,
    completion,
    digest: new ExchangeDigest(input.raw),
    stream,
    clientWantsUsage: stream && streamOptions?.include_usage === true,
    signal: abort.signal,
    policy: deps.policy.decide(input.caller.organizationId, input.caller.projectId, model.id),
    hold: null,
    meteredTokens: null,
    recorded: null,
    upstreamWaitMs: null,
    span: input.span,
  };
}

function traceInference(span: RequestSpan, request: InferenceRequest): void {
  span.inference(operations[request.endpoint], request.model.id, request.completion.maxTokensPerChoice);
  const cause = exclusionCause(request.policy);
  span.policy(request.policy.version, cause.rule, cause.clause);
}

/**
 * The models the caller may use: those its policy does not deny (a denied model would
 * answer 403 policy_denied). A denied model reads as absent, as OpenAI answers for a
 * model the key has no access to.
 */
function answerModels(deps: InferenceHandlerDeps, res: ServerResponse, path: string, caller: InferenceCaller): void {
  const usable = (modelId: string) => !deps.policy.decide(caller.organizationId, caller.projectId, modelId).denied;
  if (path === '/v1/models') {
    sendJson(res, {
      object: 'list',
      data: Array.from(deps.catalog.models())
        .filter((m) => usable(m.id))
        .map(toOpenAiModel),
    });
    return;
  }
  const id = decodeURIComponent(path.slice('/v1/models/'.length));
  const model = deps.catalog.model(id);
  if (model === undefined || !usable(model.id)) {
    throw new CommonwealError(
      'model_not_found',
      `the model "${id.slice(0, 128)}" does not exist or you do not have access to it`,
      { param: 'model' },
    );
  }
  sendJson(res, toOpenAiModel(model));
}
