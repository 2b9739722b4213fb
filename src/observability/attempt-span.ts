import {
  type Context,
  type Span,
  SpanStatusCode,
  type TextMapPropagator,
  defaultTextMapSetter,
} from '@opentelemetry/api';
import { errorTypeOf } from './error-type.js';

/** How one upstream attempt ended: the status the model server answered, or the failure that stopped it. */
export type AttemptEnding = { readonly statusCode: number } | { readonly error: unknown };

/** One call to a model server, a CLIENT span: its context travels to the server in `traceparent`. */
export class AttemptSpan {
  readonly #span: Span;
  readonly #context: Context;
  readonly #propagator: TextMapPropagator;

  constructor(span: Span, context: Context, propagator: TextMapPropagator) {
    this.#span = span;
    this.#context = context;
    this.#propagator = propagator;
  }

  /** Adds `traceparent` (and the client's `tracestate`, if any) naming this attempt to an upstream call's headers. */
  addHeaders(headers: Record<string, string>): void {
    this.#propagator.inject(this.#context, headers, defaultTextMapSetter);
  }

  end(ending: AttemptEnding): void {
    if ('statusCode' in ending) {
      this.#span.setAttribute('http.response.status_code', ending.statusCode);
      if (ending.statusCode >= 400) {
        this.#span.setAttribute('error.type', String(ending.statusCode));
        this.#span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } else {
      this.#span.setAttribute('error.type', errorTypeOf(ending.error));
      this.#span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.#span.end();
  }
}
