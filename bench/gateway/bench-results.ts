import type { BenchTarget, WorkloadMode } from './bench-target.js';
import type { ConcurrentStreamsSample } from './concurrent-streams.js';
import type { FsyncLatency } from './fsync-probe.js';
import type { OpenLoopSample } from './open-loop-run.js';
import type { SaturationSample } from './saturation-run.js';
import type { UsageCensus } from './usage-census.js';

/**
 * Which saturation throughput a fixed rate is a fraction of: the bare proxy's (the same
 * absolute load for every target) or Commonweal's (a load Commonweal can sustain).
 */
export type RateBasis = 'bare' | 'commonweal';

export interface MachineFacts {
  readonly cpuModel: string;
  readonly cores: number;
  readonly nodeVersion: string;
  readonly commonwealVersion: string;
  readonly kernel: string;
  readonly date: string;
  /** The 1-minute load average when the run began: other jobs on the machine disturb it. */
  readonly loadAverageAtStart: number;
}

export interface BenchSettings {
  readonly rounds: number;
  readonly connections: number;
  readonly saturationSeconds: number;
  readonly warmupSeconds: number;
  readonly rateRounds: number;
  readonly rateSeconds: number;
  readonly rateWarmupSeconds: number;
  readonly rateFraction: number;
  readonly rateConnections: number;
  readonly ttfbRequests: number;
  readonly streams: number;
  readonly gatewayConfig: unknown;
}

/** Everything measured for one target, one entry per round where rounds apply. */
export interface TargetResults {
  readonly target: Pick<BenchTarget, 'label' | 'name'>;
  readonly saturation: Record<WorkloadMode, SaturationSample[]>;
  readonly openLoop: Record<RateBasis, Record<WorkloadMode, OpenLoopSample[]>>;
  readonly ttfbMs: number[][];
  /** VmRSS once set up and answering, before any load. */
  rssIdleBytes: number | null;
  /** VmHWM after the throughput and latency runs, before the concurrent streams. */
  peakRssAfterLoadBytes: number | null;
  streams: ConcurrentStreamsSample | null;
}

export interface BenchResults {
  readonly machine: MachineFacts;
  readonly settings: BenchSettings;
  /** The fixed rates, derived from the median saturation throughputs. */
  readonly ratePerSec: Record<RateBasis, Record<WorkloadMode, number>>;
  readonly targets: readonly TargetResults[];
  /** fsync latency in Commonweal's data directory before and after the measurements. */
  readonly fsync: { readonly before: FsyncLatency; readonly after: FsyncLatency };
  /** Whether the bench organization had credits, i.e. every request took a credit hold and settled it. */
  readonly creditsGranted: boolean;
  /** What Commonweal metered, against the requests its clients saw answered. */
  readonly usage: { readonly census: UsageCensus | null; readonly answeredToClients: number; readonly error?: string };
  readonly elapsedSeconds: number;
}
