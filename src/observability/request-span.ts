import {
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AttemptSpan } from './attempt-span.js';
import { errorTypeOf } from './error-type.js';
import { StepSpan } from './step-span.js';

/** The GenAI operation names of the OpenTelemetry semantic conventions that /v1 serves. */
export type GenAiOperation = 'chat' | 'embeddings';

/** How a request that reached the proxy ended, as its usage record states it. */
export interface RequestAnswer {
  /** The model name the deployment was sent; null when no deployment was reached. */
  readonly responseModel: string | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly siteId: string | null;
  readonly jurisdiction: string | null;
  /** The error code the request ended with; null when it was served. */
  readonly errorCode: string | null;
}

/** One upstream attempt, as its span names it. */
export interface AttemptFacts {
  readonly deploymentId: string;
  readonly siteId: string;
  readonly upstreamModel: string;
  /** 0 for the first attempt, 1 for the first failover, and so on. */
  readonly resendCount: number;
}

/**
 * The SERVER span of one /v1 request, with the GenAI attributes and the policy decision,
 * and the parent of its steps' spans. The gateway tells it what happened, in its own
 * terms; the attribute names live here.
 */
export class RequestSpan {
  readonly #tracer: Tracer;
  readonly #propagator: TextMapPropagator;
  readonly #span: Span;
  readonly #context: Context;
  #errorType: string | null = null;

  constructor(tracer: Tracer, propagator: TextMapPropagator, span: Span, context: Context) {
    this.#tracer = tracer;
    this.#propagator = propagator;
    this.#span = span;
    this.#context = trace.setSpan(context, span);
  }

  /** False when the request is not sampled: what is set on its spans is then dropped, so need not be worked out. */
  get recording(): boolean {
    return this.#span.isRecording();
  }

  /** Names a request that is not an inference, such as `GET /v1/models`. */
  named(name: string): void {
    this.#span.updateName(name);
  }

  caller(organizationId: string, projectId: string): void {
    this.#span.setAttribute('commonweal.organization.id', organizationId);
    this.#span.setAttribute('commonweal.project.id', projectId);
  }

  inference(operation: GenAiOperation, model: string, maxTokens: number | null): void {
    this.#span.updateName(`${operation} ${model}`);
    this.#span.setAttribute('gen_ai.operation.name', operation);
    this.#span.setAttribute('gen_ai.request.model', model);
    if (maxTokens !== null) this.#span.setAttribute('gen_ai.request.max_tokens', maxTokens);
  }

  /** The policy version that decided, and the rule (or residency clause) that refused or held back deployments. */
  policy(version: number, rule: string | null, clause: string | null): void {
    this.#span.setAttribute('commonweal.policy.version', version);
    if (rule !== null) this.#span.setAttribute('commonweal.policy.rule', rule);
    if (clause !== null) this.#span.setAttribute('commonweal.policy.clause', clause);
  }

  answered(answer: RequestAnswer): void {
    if (answer.responseModel !== null) this.#span.setAttribute('gen_ai.response.model', answer.responseModel);
    this.#span.setAttribute('gen_ai.usage.input_tokens', answer.inputTokens);
    this.#span.setAttribute('gen_ai.usage.output_tokens', answer.outputTokens);
    if (answer.siteId !== null) this.#span.setAttribute('commonweal.site.id', answer.siteId);
    if (answer.jurisdiction !== null) this.#span.setAttribute('commonweal.jurisdiction', answer.jurisdiction);
    if (answer.errorCode !== null) this.#errorType = answer.errorCode;
  }

  failed(error: unknown): void {
    this.#errorType = errorTypeOf(error);
  }

  startStep(name: 'admission' | 'durable write'): StepSpan {
    return new StepSpan(this.#tracer.startSpan(name, { kind: SpanKind.INTERNAL }, this.#context));
  }

  startAttempt(facts: AttemptFacts): AttemptSpan {
    const span = this.#tracer.startSpan(
      'upstream attempt',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'commonweal.deployment.id': facts.deploymentId,
          'commonweal.site.id': facts.siteId,
          'gen_ai.request.model': facts.upstreamModel,
          'http.request.resend_count': facts.resendCount,
        },
      },
      this.#context,
    );
    return new AttemptSpan(span, trace.setSpan(this.#context, span), this.#propagator);
  }

  /** Ends the span with the status the client got: 499 when it left before the answer ended, as nginx logs it. */
  end(statusCode: number): void {
    this.#span.setAttribute('http.response.status_code', statusCode);
    const errorType = this.#errorType ?? (statusCode >= 400 ? String(statusCode) : null);
    if (errorType !== null) this.#span.setAttribute('error.type', errorType);
    // A client's mistake (4xx) is not the server's failure, as the HTTP conventions say.
    if (statusCode >= 500) this.#span.setStatus({ code: SpanStatusCode.ERROR });
    this.#span.end();
  }
}
