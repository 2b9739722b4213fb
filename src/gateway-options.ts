import type { ServerConfig } from './config/index.js';
import type { OpenAiUpstreamOptions } from './engines/index.js';
import type { TracingOptions } from './observability/index.js';
import type { CircuitBreakerOptions, HealthCheckerOptions, RetryPolicyOptions } from './routing/index.js';

/** The options of each module the config's `gateway` section limits. */
export interface GatewayOptions {
  readonly upstream: OpenAiUpstreamOptions;
  readonly breaker: CircuitBreakerOptions;
  readonly healthCheck: HealthCheckerOptions;
  readonly retry: RetryPolicyOptions;
}

/**
 * Hands the config's `gateway` section to the engines and the routing modules in their
 * own terms. Those modules keep no defaults of their own: the values live once, in
 * `serverConfigDefaults`, and a test that wants them passes that object's `gateway` here.
 */
export function gatewayOptions(gateway: ServerConfig['gateway']): GatewayOptions {
  return {
    upstream: Object.freeze({
      connectTimeoutMs: gateway.connectTimeoutMs,
      firstByteTimeoutMs: gateway.firstByteTimeoutMs,
      idleTimeoutMs: gateway.idleTimeoutMs,
      totalTimeoutMs: gateway.totalTimeoutMs,
      connectionsMax: gateway.connectionsPerDeploymentMax,
      queuedCallsMax: gateway.queuedCallsPerDeploymentMax,
    }),
    breaker: Object.freeze({ failuresMax: gateway.circuitFailuresMax, openMs: gateway.circuitOpenMs }),
    healthCheck: Object.freeze({ intervalMs: gateway.healthCheckIntervalMs, timeoutMs: gateway.healthCheckTimeoutMs }),
    retry: Object.freeze({ attemptsMax: gateway.attemptsMax }),
  };
}

/** The tracer's options, or undefined when the config names no OTLP endpoint: tracing is then off. */
export function tracingOptions(tracing: ServerConfig['tracing'], serviceVersion: string): TracingOptions | undefined {
  if (tracing.otlpEndpoint === undefined) return undefined;
  return Object.freeze({
    otlpEndpoint: tracing.otlpEndpoint,
    sampleRatio: tracing.sampleRatio,
    queuedSpansMax: tracing.queuedSpansMax,
    exportDelayMs: tracing.exportDelayMs,
    exportTimeoutMs: tracing.exportTimeoutMs,
    serviceVersion,
  });
}
