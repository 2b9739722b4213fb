import type { CheckpointPublisher, TransparencyLog } from './audit/index.js';
import type { Ledger } from './ledger/index.js';
import type { DeploymentReading, PlatformReadings } from './observability/index.js';
import type { DeploymentRegistry } from './routing/index.js';
import type { GroupCommitWriter } from './store/index.js';

/** The parts whose state a scrape reads. */
export interface ReadableParts {
  readonly registry: DeploymentRegistry;
  /** The last health check verdict of each deployment, kept by the health checker's listener. */
  readonly healthVerdicts: ReadonlyMap<string, boolean>;
  readonly writer: GroupCommitWriter;
  readonly ledger: Ledger;
  readonly log: TransparencyLog;
  readonly checkpoints: CheckpointPublisher;
}

/**
 * How the metrics read the platform at scrape time: the composition root hands the
 * gauges these readers, so that no module below reports to the metrics.
 */
export function platformReadings(parts: ReadableParts): PlatformReadings {
  return {
    *deployments(): Iterable<DeploymentReading> {
      for (const { deployment, engine, stats } of parts.registry.all()) {
        const status = engine.status?.();
        yield {
          id: deployment.id,
          circuitState: stats.breaker.state,
          requestsInFlight: stats.outstanding,
          healthy: parts.healthVerdicts.get(deployment.id),
          ...(status === undefined
            ? {}
            : {
                engine: {
                  state: status.state,
                  requestsRunning: status.requestsRunning,
                  requestsWaiting: status.requestsWaiting,
                },
              }),
        };
      }
    },
    writeQueueLength: () => parts.writer.stats().queueLength,
    creditsReservedMicro: () => parts.ledger.reservedMicro(),
    pendingHolds: () => parts.ledger.openHolds().length,
    logSize: () => parts.log.size(),
    async checkpointAgeSeconds() {
      const latest = await parts.checkpoints.latest();
      return latest === undefined ? undefined : Math.max(0, (Date.now() - Date.parse(latest.createdAt)) / 1000);
    },
  };
}
