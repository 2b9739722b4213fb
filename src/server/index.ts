export { createAppServer } from './create-server.js';
export { createMetricsServer } from './create-metrics-server.js';
export { type DrainReport, ServerDrain } from './server-drain.js';
