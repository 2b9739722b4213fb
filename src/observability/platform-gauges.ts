import { Gauge, type Registry } from 'prom-client';
import type { DeploymentReading, PlatformReadings } from './platform-readings.js';

const circuitStates = ['closed', 'open', 'half_open'] as const;
const engineStates = ['unloaded', 'loading', 'ready', 'failed'] as const;

/**
 * Registers the gauges read at scrape time: each asks `readings` when Prometheus scrapes,
 * so nothing is counted between scrapes. The per-deployment gauges are reset at every
 * scrape, so a deployment that was removed stops being reported.
 */
export function registerPlatformGauges(registry: Registry, readings: PlatformReadings): void {
  const registers = [registry];
  const perDeployment = (
    name: string,
    help: string,
    set: (gauge: Gauge<string>, reading: DeploymentReading) => void,
    extraLabel?: string,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: extraLabel === undefined ? ['deployment'] : ['deployment', extraLabel],
      registers,
      collect() {
        this.reset();
        for (const reading of readings.deployments()) set(this, reading);
      },
    });
  perDeployment(
    'commonweal_upstream_up',
    "1 when the deployment's last background health check passed, 0 when it failed; absent before the first.",
    (gauge, d) => {
      if (d.healthy !== undefined) gauge.set({ deployment: d.id }, d.healthy ? 1 : 0);
    },
  );
  perDeployment(
    'commonweal_upstream_circuit_state',
    "1 for the state the deployment's circuit breaker is in, 0 for the others.",
    (gauge, d) => {
      for (const state of circuitStates) gauge.set({ deployment: d.id, state }, d.circuitState === state ? 1 : 0);
    },
    'state',
  );
  perDeployment(
    'commonweal_upstream_requests_in_flight',
    'Requests this process has sent to the deployment and not yet finished.',
    (gauge, d) => gauge.set({ deployment: d.id }, d.requestsInFlight),
  );
  perDeployment(
    'commonweal_engine_state',
    'For a deployment served by the embedded engine: 1 for the state its model is in, 0 for the others.',
    (gauge, d) => {
      const engine = d.engine;
      if (engine === undefined) return;
      for (const state of engineStates) gauge.set({ deployment: d.id, state }, engine.state === state ? 1 : 0);
    },
    'state',
  );
  perDeployment(
    'commonweal_engine_requests_running',
    'For a deployment served by the embedded engine: requests generating now.',
    (gauge, d) => {
      if (d.engine !== undefined) gauge.set({ deployment: d.id }, d.engine.requestsRunning);
    },
  );
  perDeployment(
    'commonweal_engine_queue_length',
    'For a deployment served by the embedded engine: requests waiting in its queue for a free sequence.',
    (gauge, d) => {
      if (d.engine !== undefined) gauge.set({ deployment: d.id }, d.engine.requestsWaiting);
    },
  );
  const single = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  single('commonweal_store_write_queue_length', 'Write jobs waiting for a group-commit transaction.', () =>
    readings.writeQueueLength(),
  );
  single(
    'commonweal_credits_reserved_micro',
    'Micro-credits held by requests in flight (their maximum cost) and by ledger writes not yet committed.',
    () => readings.creditsReservedMicro(),
  );
  single('commonweal_ledger_holds_pending', 'Two-phase ledger transfers pending: neither posted nor voided yet.', () =>
    readings.pendingHolds(),
  );
  registerLogGauges(registry, readings);
}

/** The transparency log's gauges read the store: a scrape costs two indexed queries. */
function registerLogGauges(registry: Registry, readings: PlatformReadings): void {
  new Gauge({
    name: 'commonweal_transparency_log_size',
    help: 'Leaves in the transparency log (receipts and admin changes), as committed in the store.',
    registers: [registry],
    async collect() {
      this.set(await readings.logSize());
    },
  });
  new Gauge({
    name: 'commonweal_transparency_checkpoint_age_seconds',
    help: 'Seconds since the newest signed checkpoint of the transparency log; NaN while none is signed.',
    registers: [registry],
    async collect() {
      this.set((await readings.checkpointAgeSeconds()) ?? Number.NaN);
    },
  });
}
