import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { CommonwealError } from '../errors/index.js';
import type { UsageEndpoint } from '../metering/index.js';
import { randomTokenBody } from '../secrets/index.js';
import { writeError } from '../server/write-error.js';
import type { InferenceCatalog } from './inference-catalog.js';
import type { InferenceProxy } from './inference-proxy.js';
import type { InferenceCaller } from './key-table.js';
import { toOpenAiModel } from './models-endpoint.js';
import { parseJsonObject, readBody } from './read-body.js';

export interface InferenceHandlerDeps {
  readonly catalog: InferenceCatalog;
  readonly proxy: InferenceProxy;
  readonly bodySizeBytesMax: number;
  readonly log: Logger;
}

const completionPaths: Readonly<Record<string, UsageEndpoint>> = Object.freeze({
  '/v1/chat/completions': 'chat.completions',
  '/v1/embeddings': 'embeddings',
});

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The OpenAI-compatible API under /v1, on plain node:http: authenticate from memory,
 * read a bounded body, resolve the model, then hand over to the proxy.
 */
export function createInferenceHandler(deps: InferenceHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = `req_${randomTokenBody(24)}`;
    res.setHeader('x-request-id', requestId);
    handle(deps, req, res, requestId).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (writeError(res, error)) deps.log.error({ err: error, requestId }, 'inference request failed');
    });
  };
}

async function handle(deps: InferenceHandlerDeps, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const startedAtMs = performance.now();
  const path = (req.url ?? '/').split('?')[0]!;
  const endpoint = completionPaths[path];
  const isModels = path === '/v1/models' || path.startsWith('/v1/models/');
  if (endpoint === undefined && !isModels) throw new CommonwealError('route_not_found', `no route for ${req.method} ${path}`);
  const expected = endpoint === undefined ? 'GET' : 'POST';
  if (req.method !== expected) throw new CommonwealError('method_not_allowed', `${path} takes ${expected}, not ${req.method}`);
  const caller = deps.catalog.keys.authenticate(req.headers.authorization, Date.now());
  if (endpoint === undefined) return answerModels(deps, res, path);
  const raw = await readBody(req, deps.bodySizeBytesMax);
  const body = parseJsonObject(raw);
  await deps.proxy.serve(inferenceRequest(deps, { requestId, startedAtMs, caller, endpoint, path, body, raw, res }), res);
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
  },
) {
  const { body } = input;
  if (typeof body.model !== 'string' || body.model === '') {
    throw new CommonwealError('invalid_request', 'you must provide a model parameter', { param: 'model' });
  }
  const model = deps.catalog.model(body.model);
  if (model === undefined) {
    throw new CommonwealError('model_not_found', `the model "${body.model.slice(0, 128)}" does not exist or you do not have access to it`, { param: 'model' });
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw new CommonwealError('invalid_request', 'stream must be a boolean', { param: 'stream' });
  }
  const stream = input.endpoint === 'chat.completions' && body.stream === true;
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  const abort = new AbortController();
  // The client going away cancels the upstream call at once.
  input.res.once('close', () => {
    if (!input.res.writableFinished) abort.abort(new CommonwealError('invalid_request', 'the client closed the request'));
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
    stream,
    clientWantsUsage: stream && streamOptions?.include_usage === true,
    signal: abort.signal,
  };
}

function answerModels(deps: InferenceHandlerDeps, res: ServerResponse, path: string): void {
  if (path === '/v1/models') {
    sendJson(res, { object: 'list', data: Array.from(deps.catalog.models(), toOpenAiModel) });
    return;
  }
  const id = decodeURIComponent(path.slice('/v1/models/'.length));
  const model = deps.catalog.model(id);
  if (model === undefined) throw new CommonwealError('model_not_found', `the model "${id.slice(0, 128)}" does not exist`, { param: 'model' });
  sendJson(res, toOpenAiModel(model));
}
