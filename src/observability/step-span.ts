import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { errorTypeOf } from './error-type.js';

/** A step of a request that either completes or fails, such as its admission or its durable write. */
export class StepSpan {
  readonly #span: Span;

  constructor(span: Span) {
    this.#span = span;
  }

  /** Ends the span when `work` settles, as a failure if it rejects; resolves or rejects as `work` does. */
  async until<T>(work: Promise<T>): Promise<T> {
    try {
      const value = await work;
      this.#span.end();
      return value;
    } catch (error) {
      this.#span.setAttribute('error.type', errorTypeOf(error));
      this.#span.setStatus({ code: SpanStatusCode.ERROR });
      this.#span.end();
      throw error;
    }
  }
}
