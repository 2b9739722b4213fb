import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InferenceTracer } from './inference-tracer.js';
import { ReportingSpanExporter } from './reporting-span-exporter.js';
import type { TracingOptions } from './tracing-options.js';

/** A started tracer and how to stop it. */
export interface Tracing {
  readonly tracer: InferenceTracer;
  /** Exports the spans still queued, then stops; spans ended afterwards are dropped. Never rejects. */
  shutdown(): Promise<void>;
}

/** Spans one export carries at most, the SDK's default; never more than the queue holds. */
const exportBatchSpansMax = 512;

/**
 * Starts an OpenTelemetry tracer that exports over OTLP/HTTP JSON in batches. The
 * provider is not registered globally: only the gateway's own spans are made, and only
 * through the tracer returned here. Every setting is given explicitly, so the SDK's own
 * `OTEL_*` fallbacks do not apply. `onExportFailure` hears of each batch that could not be
 * sent, and is dropped.
 */
export function startTracing(
  options: TracingOptions,
  onExportFailure: (error: Error | undefined, spanCount: number) => void,
): Tracing {
  const exporter = new ReportingSpanExporter(
    new OTLPTraceExporter({ url: options.otlpEndpoint, timeoutMillis: options.exportTimeoutMs }),
    onExportFailure,
  );
  const processor = new BatchSpanProcessor(exporter, {
    maxQueueSize: options.queuedSpansMax,
    maxExportBatchSize: Math.min(exportBatchSpansMax, options.queuedSpansMax),
    scheduledDelayMillis: options.exportDelayMs,
    exportTimeoutMillis: options.exportTimeoutMs,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'commonweal', 'service.version': options.serviceVersion }),
    // A client that sampled its trace gets our spans in it; one that did not, does not; others are sampled at the ratio.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [processor],
  });
  return {
    tracer: new InferenceTracer(provider.getTracer('commonweal', options.serviceVersion)),
    // The last batch's failure, say a collector that is down, was reported as every other's; a platform whose
    // collector is away must still close cleanly.
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
