export { GatewayMetrics, requestOutcomes } from './gateway-metrics.js';
export { createMetricsHandler, type MetricsHandlerOptions } from './metrics-handler.js';
export { createMetricsRegistry } from './metrics-registry.js';
export { registerPlatformGauges } from './platform-gauges.js';
export type { DeploymentReading, PlatformReadings } from './platform-readings.js';
export type { ServedRequest } from './served-request.js';
export { StoreMetrics } from './store-metrics.js';
export { otherTenant, type TenantLabelMode, TenantLabels } from './tenant-labels.js';
