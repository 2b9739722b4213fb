/** What `startTracing` needs: where spans go and how many may wait for it. */
export interface TracingOptions {
  /** The OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`. */
  readonly otlpEndpoint: string;
  /** The share of requests without a sampled parent that are traced, from 0 to 1. */
  readonly sampleRatio: number;
  readonly queuedSpansMax: number;
  readonly exportDelayMs: number;
  readonly exportTimeoutMs: number;
  /** The `service.version` resource attribute. */
  readonly serviceVersion: string;
}
