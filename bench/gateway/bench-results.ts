import type { BenchTarget, WorkloadMode } from './bench-target.js';
import type { ConcurrentStreamsSample } from './concurrent-streams.js';
import type { InstructionCount } from '../instructions/callgrind-count.js';
import type { FsyncLatency } from './fsync-probe.js';
import type { OpenLoopSample } from './open-loop-run.js';
import type { SaturationSample } from './saturation-run.js';
import type { UsageCensus } from './usage-census.js';

/**
 * Where a fixed rate comes from: a fraction of the bare proxy's saturation throughput (the
 * same absolute load for every target), a fraction of Commonweal's (a load Commonweal can
 * sustain), or the fixed 1,000 requests per second.
 */
export type RateBasis = 'bare' | 'commonweal' | 'fixed';

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
  /** Whether Portkey's gateway was measured beside the others. */
  readonly portkey: boolean;
  /** Requests to warm up and to count per server under callgrind; null when instructions were not counted. */
  readonly instructions: { readonly warmup: number; readonly counted: number } | null;
}

/** Everything measured for one target, one entry per round where rounds apply. */
export interface TargetResults {
  readonly target: Pick<BenchTarget, 'label' | 'name'>;
  readonly saturation: Record<WorkloadMode, SaturationSample[]>;
  readonly openLoop: Record<RateBasis, Record<WorkloadMode, OpenLoopSample[]>>;
  /** Streamed requests, one connection: time to first byte, per round. */
  readonly ttfbMs: number[][];
  /** Plain requests, one connection: time to the whole answer, per round. */
  readonly oneConnectionJsonMs: number[][];
  /** VmRSS once set up and answering, before any load. */
  rssIdleBytes: number | null;
  /** VmHWM after the throughput and latency runs, before the concurrent streams. */
  peakRssAfterLoadBytes: number | null;
  streams: ConcurrentStreamsSample | null;
  /** User-space instructions per request under callgrind, by workload; null when not counted. */
  instructions: Partial<Record<WorkloadMode, InstructionCount>> | null;
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
  /** Why instructions were not counted although asked for, e.g. valgrind is missing. */
  readonly instructionsSkipped?: string;
  readonly elapsedSeconds: number;
}
