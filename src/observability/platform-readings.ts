/** What one deployment looks like to a scrape. */
export interface DeploymentReading {
  readonly id: string;
  readonly circuitState: 'closed' | 'open' | 'half_open';
  readonly requestsInFlight: number;
  /** The last background health check's verdict; undefined before the first. */
  readonly healthy: boolean | undefined;
  /** Only for an engine that runs its model in this process. */
  readonly engine?: {
    readonly state: string;
    readonly requestsRunning: number;
    readonly requestsWaiting: number;
  };
}

/**
 * The state of the platform's parts that the gauges read at scrape time, wired by the
 * composition root: the parts never report to the metrics, which ask them only when
 * Prometheus does.
 */
export interface PlatformReadings {
  deployments(): Iterable<DeploymentReading>;
  /** Write jobs waiting for a transaction. */
  writeQueueLength(): number;
  /** Micro-credits reserved by requests in flight and by writes not yet committed. */
  creditsReservedMicro(): number;
  /** Two-phase transfers of the ledger that are pending (neither posted nor voided). */
  pendingHolds(): number;
  /** Leaves committed in the transparency log. */
  logSize(): Promise<number>;
  /** Seconds since the newest checkpoint was signed; undefined when none is. */
  checkpointAgeSeconds(): Promise<number | undefined>;
}
