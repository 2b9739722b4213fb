import type { ExchangeDigest } from '../audit/index.js';
import type { Model } from '../catalog/index.js';
import type { CreditHold } from '../ledger/index.js';
import type { TokenUsage, UsageEndpoint, UsageRecord } from '../metering/index.js';
import type { RequestSpan } from '../observability/index.js';
import type { PolicyDecision } from '../policy/index.js';
import type { CompletionLength } from './completion-length.js';
import type { InferenceCaller } from './key-table.js';

/** One validated inference request, as the proxy needs it. */
export interface InferenceRequest {
  readonly requestId: string;
  /** `performance.now()` when the request arrived. */
  readonly startedAtMs: number;
  readonly caller: InferenceCaller;
  readonly endpoint: UsageEndpoint;
  /** The OpenAI path the upstream gets, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly model: Model;
  /** Which deployments of the model the caller's policy and the rules allow; the balancer sees only those. */
  readonly policy: PolicyDecision;
  /** The client's body, every field kept; only `model` (and stream usage) change per deployment. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly bodySizeBytes: number;
  /** The answer's length bound, read once from the body: what the hold pays for and the upstream is told. */
  readonly completion: CompletionLength;
  /** Hashes of the body as received and of the answer as relayed, for the request's receipt. */
  readonly digest: ExchangeDigest;
  readonly stream: boolean;
  readonly clientWantsUsage: boolean;
  /** Aborted when the client goes away; cancels the upstream call. */
  readonly signal: AbortSignal;
  /**
   * The request's credit hold, charged when its usage is recorded; null when it runs
   * unmetered. Admission sets it once, before the proxy sees the request. It is a field
   * of the request rather than a spread copy of it: each copy got a hidden class of its
   * own, and every later read of a request field then missed V8's inline caches.
   */
  hold: CreditHold | null;
  /** The tokens its usage record metered, set by the proxy when it records them; for the access line. */
  meteredTokens: TokenUsage | null;
  /** The usage record, set by the proxy once it is durable (its charge with it); for the request metrics. */
  recorded: UsageRecord | null;
  /**
   * Milliseconds spent waiting on model servers, every attempt's, and on a client reading
   * slower than they write; null until one is called. What is left of the request's time
   * is Commonweal's own, its overhead.
   */
  upstreamWaitMs: number | null;
  /** The request's trace span; null when tracing is off. */
  readonly span: RequestSpan | null;
}

/**
 * The body for each deployment of one request: the client's fields untouched but `model`,
 * which becomes the deployment's upstream name, and the length fields, which become the
 * one `max_tokens` the hold was taken for. A stream always asks for usage, so that it
 * can be metered exactly; the client gets the usage chunk only if it asked for it.
 * Deployments that share an upstream name share one serialized body, so a failover
 * re-serializes the client's body only when the name differs.
 */
export function upstreamBodies(
  request: Pick<InferenceRequest, 'body' | 'model' | 'stream' | 'completion'>,
): (upstreamModel: string | null) => Buffer {
  const bodies = new Map<string, Buffer>();
  return (upstreamModel) => {
    const model = upstreamModel ?? request.model.id;
    let bytes = bodies.get(model);
    if (bytes === undefined) {
      bytes = serialize(request, model);
      bodies.set(model, bytes);
    }
    return bytes;
  };
}

function serialize(request: Pick<InferenceRequest, 'body' | 'stream' | 'completion'>, model: string): Buffer {
  const { max_completion_tokens: _asked, max_tokens: _legacy, ...fields } = request.body;
  const body: Record<string, unknown> = { ...fields, model };
  // Every OpenAI-compatible server reads `max_tokens`; not all read `max_completion_tokens`.
  if (request.completion.maxTokensPerChoice !== null) body.max_tokens = request.completion.maxTokensPerChoice;
  if (request.stream) {
    const streamOptions =
      typeof request.body.stream_options === 'object' && request.body.stream_options !== null
        ? request.body.stream_options
        : {};
    body.stream_options = { ...streamOptions, include_usage: true };
  }
  return Buffer.from(JSON.stringify(body));
}
