import { Counter, type Registry } from 'prom-client';
import { errorCodeInfo } from '../errors/index.js';
import { CountedHistogram, type HistogramSeries } from './counted-histogram.js';
import type { ServedRequest } from './served-request.js';
import type { TenantLabels } from './tenant-labels.js';

/** A cached series of a counter: prom-client checks and hashes a label set on every call to `labels`. */
interface Incrementer {
  inc(value?: number): void;
}

/** The series of one model under one GenAI operation. */
interface ModelSeries {
  readonly inputTokens: HistogramSeries;
  readonly outputTokens: HistogramSeries;
  readonly firstToken: HistogramSeries;
  readonly perOutputToken: HistogramSeries;
  /** By `error_type`, the empty string for a success. */
  readonly duration: Map<string, HistogramSeries>;
}

type Operation = 'chat' | 'embeddings';

/** The OpenTelemetry GenAI operation of each inference path. */
const operations: Readonly<Record<string, Operation>> = Object.freeze({
  '/v1/chat/completions': 'chat',
  '/v1/embeddings': 'embeddings',
});

const endpoints: Readonly<Record<string, string>> = Object.freeze({
  '/v1/chat/completions': 'chat.completions',
  '/v1/embeddings': 'embeddings',
  '/v1/models': 'models',
  '/v1/billing/statement': 'billing.statement',
});

/** The refusals Commonweal itself makes before any model server sees a request, by error code. */
const refusalReasons: Readonly<Record<string, string>> = Object.freeze({
  policy_denied: 'policy',
  budget_exceeded: 'budget',
  rate_limit_exceeded: 'rate_limit',
  insufficient_credits: 'credits',
});

export const requestOutcomes = ['success', 'refused', 'client_error', 'server_error', 'aborted'] as const;

// The buckets OpenTelemetry's GenAI semantic conventions advise for each histogram.
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const firstTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const perOutputTokenBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];
// From a tenth of a millisecond, what a proxy adds at best, to a quarter second, what a stalled one does.
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/** `error.type` as OpenTelemetry wants it: a closed set, so a model server's own codes become `_OTHER`. */
function errorTypeOf(errorCode: string | null): string {
  if (errorCode === null) return '';
  return errorCode in errorCodeInfo || errorCode === 'client_closed_request' ? errorCode : '_OTHER';
}

/**
 * The metrics of the requests on /v1, observed once per request where its access line
 * is written. The series are cached per label set, so a request costs a few map lookups
 * and prom-client's own bookkeeping, and creates no label objects.
 */
export class GatewayMetrics {
  readonly #tenants: TenantLabels;
  readonly #tokenUsage: CountedHistogram;
  readonly #duration: CountedHistogram;
  readonly #firstToken: CountedHistogram;
  readonly #perOutputToken: CountedHistogram;
  readonly #overhead: HistogramSeries;
  readonly #requests: Counter<string>;
  readonly #refused: Counter<string>;
  readonly #charged: Counter<string>;
  readonly #writtenOff: Counter<string>;
  readonly #models: Record<Operation, Map<string, ModelSeries>> = { chat: new Map(), embeddings: new Map() };
  readonly #requestSeries = new Map<string, Incrementer>();
  readonly #refusedSeries = new Map<string, Incrementer>();
  readonly #chargedSeries = new Map<string, Incrementer>();
  readonly #writtenOffSeries = new Map<string, Incrementer>();

  constructor(registry: Registry, tenants: TenantLabels) {
    this.#tenants = tenants;
    const registers = [registry];
    const model = ['gen_ai_operation_name', 'gen_ai_request_model'];
    this.#tokenUsage = new CountedHistogram({
      name: 'gen_ai_client_token_usage',
      help: 'Tokens used per request, by input and output (OpenTelemetry GenAI gen_ai.client.token.usage).',
      labelNames: [...model, 'gen_ai_token_type'],
      buckets: tokenBuckets,
      registers,
    });
    this.#duration = new CountedHistogram({
      name: 'gen_ai_server_request_duration',
      help: 'Seconds from a request arriving to its answer ending (gen_ai.server.request.duration).',
      labelNames: [...model, 'error_type'],
      buckets: durationBuckets,
      registers,
    });
    this.#firstToken = new CountedHistogram({
      name: 'gen_ai_server_time_to_first_token',
      help: "Seconds from a request arriving to its answer's first byte, successes only (gen_ai.server.time_to_first_token).",
      labelNames: model,
      buckets: firstTokenBuckets,
      registers,
    });
    this.#perOutputToken = new CountedHistogram({
      name: 'gen_ai_server_time_per_output_token',
      help: 'Seconds per output token after the first, successful streams only (gen_ai.server.time_per_output_token).',
      labelNames: model,
      buckets: perOutputTokenBuckets,
      registers,
    });
    this.#overhead = new CountedHistogram({
      name: 'commonweal_gateway_overhead_seconds',
      help: 'Seconds a request sent to a model server spent in Commonweal, its waits on model servers and slow clients left out.',
      buckets: overheadBuckets,
      registers,
    }).series();
    this.#requests = new Counter({
      name: 'commonweal_requests_total',
      help: 'Requests on /v1, by endpoint and outcome.',
      labelNames: ['endpoint', 'outcome', ...tenants.names],
      registers,
    });
    this.#refused = new Counter({
      name: 'commonweal_requests_refused_total',
      help: 'Requests Commonweal refused before any model server saw them, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.#charged = new Counter({
      name: 'commonweal_credits_charged_micro_total',
      help: 'Micro-credits charged to organizations for their requests.',
      labelNames: tenants.names,
      registers,
    });
    this.#writtenOff = new Counter({
      name: 'commonweal_credits_written_off_micro_total',
      help: 'Micro-credits of usage beyond a hold, written off by the platform.',
      labelNames: tenants.names,
      registers,
    });
  }

  observe(request: ServedRequest): void {
    const tenant =
      this.#tenants.mode === 'none' ? undefined : this.#tenants.valueOf(request.organizationId, request.keyId);
    const endpoint = endpoints[request.path] ?? (request.path.startsWith('/v1/models/') ? 'models' : 'other');
    const calledUpstream = request.upstreamWaitMs !== null;
    const reason = request.errorCode === null || calledUpstream ? undefined : refusalReasons[request.errorCode];
    const outcome = this.#outcome(request.status, reason);
    const key = tenant === undefined ? `${endpoint} ${outcome}` : `${endpoint} ${outcome} ${tenant}`;
    this.#series(this.#requestSeries, key, this.#requests, endpoint, outcome, tenant).inc();
    if (reason !== undefined) this.#series(this.#refusedSeries, reason, this.#refused, reason).inc();
    const tenantKey = tenant ?? '';
    if (request.creditsChargedMicro !== null && request.creditsChargedMicro > 0)
      this.#series(this.#chargedSeries, tenantKey, this.#charged, tenant).inc(request.creditsChargedMicro);
    if (request.creditsWrittenOffMicro !== null && request.creditsWrittenOffMicro > 0)
      this.#series(this.#writtenOffSeries, tenantKey, this.#writtenOff, tenant).inc(request.creditsWrittenOffMicro);
    if (calledUpstream) this.#overhead.observe(Math.max(0, request.durationMs - request.upstreamWaitMs) / 1000);
    const operation = operations[request.path];
    if (operation !== undefined && request.modelId !== null) this.#observeModel(operation, request.modelId, request);
  }

  #outcome(status: number, reason: string | undefined): (typeof requestOutcomes)[number] {
    if (status === 499) return 'aborted';
    if (status < 400) return 'success';
    if (reason !== undefined) return 'refused';
    return status < 500 ? 'client_error' : 'server_error';
  }

  /** The counter's series of these label values, in the order of its label names; the undefined ones are absent. */
  #series(
    cache: Map<string, Incrementer>,
    key: string,
    counter: Counter<string>,
    ...values: (string | undefined)[]
  ): Incrementer {
    let series = cache.get(key);
    if (series === undefined) {
      series = counter.labels(...values.filter((value) => value !== undefined));
      cache.set(key, series);
    }
    return series;
  }

  #observeModel(operation: Operation, modelId: string, request: ServedRequest): void {
    const series = this.#seriesOf(operation, modelId);
    const errorType = errorTypeOf(request.errorCode);
    let duration = series.duration.get(errorType);
    if (duration === undefined) {
      duration = this.#duration.series(operation, modelId, errorType);
      series.duration.set(errorType, duration);
    }
    duration.observe(request.durationMs / 1000);
    // A failed request's tokens are nothing or a fragment: they would only drag the distributions down.
    if (errorType !== '') return;
    if (request.promptTokens !== null) series.inputTokens.observe(request.promptTokens);
    if (request.completionTokens !== null && operation === 'chat')
      series.outputTokens.observe(request.completionTokens);
    if (request.firstByteMs === null) return;
    series.firstToken.observe(request.firstByteMs / 1000);
    const tokensAfterFirst = (request.completionTokens ?? 0) - 1;
    if (request.streamed && tokensAfterFirst > 0)
      series.perOutputToken.observe((request.durationMs - request.firstByteMs) / tokensAfterFirst / 1000);
  }

  #seriesOf(operation: Operation, modelId: string): ModelSeries {
    const models = this.#models[operation];
    let series = models.get(modelId);
    if (series === undefined) {
      series = {
        inputTokens: this.#tokenUsage.series(operation, modelId, 'input'),
        outputTokens: this.#tokenUsage.series(operation, modelId, 'output'),
        firstToken: this.#firstToken.series(operation, modelId),
        perOutputToken: this.#perOutputToken.series(operation, modelId),
        duration: new Map(),
      };
      models.set(modelId, series);
    }
    return series;
  }
}
