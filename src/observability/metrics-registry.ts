import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry of Commonweal's own, never prom-client's global one: several platforms in
 * one process (the tests) each get their own metrics. It starts with prom-client's
 * process and Node.js metrics: memory, CPU, event-loop delay, garbage collection.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
