import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * An exporter that reports the batches its inner exporter fails to send. The SDK drops
 * them silently (its error handler writes to a diagnostic logger nobody reads), and an
 * operator whose collector is unreachable would otherwise see traces simply stop.
 */
export class ReportingSpanExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #onFailure: (error: Error | undefined, spanCount: number) => void;

  constructor(inner: SpanExporter, onFailure: (error: Error | undefined, spanCount: number) => void) {
    this.#inner = inner;
    this.#onFailure = onFailure;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code === ExportResultCode.FAILED) this.#onFailure(result.error, spans.length);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}
