export { createAppServer } from './create-server.js';
export { createMetricsServer } from './create-metrics-server.js';
