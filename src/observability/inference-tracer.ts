import { ROOT_CONTEXT, SpanKind, type TextMapPropagator, type Tracer, defaultTextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RequestSpan } from './request-span.js';

/** What a request's span is started from: its headers, for the client's `traceparent`. */
export interface IncomingRequestFacts {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly method: string | undefined;
  readonly path: string;
  readonly requestId: string;
}

/**
 * Starts the span of each /v1 request, as a child of the client's `traceparent` when it
 * sent a valid one. Parents are passed explicitly, never through an async context: the
 * request path stays free of async hooks.
 */
export class InferenceTracer {
  readonly #tracer: Tracer;
  readonly #propagator: TextMapPropagator = new W3CTraceContextPropagator();

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  startRequest(request: IncomingRequestFacts): RequestSpan {
    const parent = this.#propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const span = this.#tracer.startSpan(
      request.method ?? 'HTTP',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method ?? '_OTHER',
          'url.path': request.path,
          'commonweal.request.id': request.requestId,
        },
      },
      parent,
    );
    return new RequestSpan(this.#tracer, this.#propagator, span, parent);
  }
}
