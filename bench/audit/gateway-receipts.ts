import { type WorkloadMode, workloadModes } from '../gateway/bench-target.js';
import { type CommonwealInstance, commonwealTarget, startCommonweal } from '../gateway/commonweal-instance.js';
import { runSaturation, type SaturationSample } from '../gateway/saturation-run.js';
import { featureBuildOptions, withFeatureBuilds } from '../feature-builds.js';

/*
 * The gateway with receipts on and off, through the gateway benchmark's own harness
 * (imported, not changed): the same fast upstream, `commonweal serve` pinned to core 0,
 * autocannon on core 1. "Off" is the patched receipts-off copy of this build that
 * bench/feature-builds.ts makes: there is no setting to switch receipts off, on purpose.
 */

const proxyCore = 0;

export interface GatewaySample {
  readonly receipts: boolean;
  readonly mode: WorkloadMode;
  /** Which of the interleaved windows of its round this is, from 0. */
  readonly window: number;
  readonly round: number;
  readonly sample: SaturationSample;
}

/**
 * Both builds run at once, both pinned to core 0, and take the load by turns: in each of
 * `rounds` rounds, each workload alternates between them `windows` times, `seconds` at a
 * time, the other one idle meanwhile. This machine runs faster and slower by turns (a
 * CPU-bound loop on its own moves by a fifth over tens of seconds), which weighed unequally
 * on builds measured one after the other for tens of seconds each; windows of a few
 * seconds, taken by turns, share every slow spell between the builds. Every other window
 * pair starts with the on build. Each round starts both servers anew: two servers of the
 * same build, loaded by turns in one run, differed by 3% from start to stop (238.0 and
 * 245.5 µs of CPU per request), so a loss is only as good as the number of server pairs
 * behind it. The off copy is removed afterwards.
 */
export async function measureGateway(
  rounds: number,
  windows: number,
  seconds: number,
  warmupSeconds: number,
): Promise<GatewaySample[]> {
  return withFeatureBuilds(async (receiptsOffCli, upstream) => {
    const samples: GatewaySample[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const instances = new Map<boolean, CommonwealInstance>();
      try {
        for (const receipts of [false, true])
          instances.set(
            receipts,
            await startCommonweal(
              proxyCore,
              upstream.url,
              featureBuildOptions(receipts ? 'all on' : 'receipts off', receiptsOffCli),
            ),
          );
        for (const mode of workloadModes) {
          const load = (receipts: boolean, runSeconds: number) =>
            runSaturation(commonwealTarget(instances.get(receipts)!), mode, {
              connections: 32,
              seconds: runSeconds,
              upstreamPid: upstream.pid,
            });
          for (const receipts of [false, true]) await load(receipts, warmupSeconds);
          for (let window = 0; window < windows; window += 1) {
            for (const receipts of window % 2 === 0 ? [false, true] : [true, false])
              samples.push({ receipts, mode, window, round, sample: await load(receipts, seconds) });
          }
          const cpu = (receipts: boolean) =>
            cpuPerRequest(samples.filter((s) => s.round === round && s.mode === mode && s.receipts === receipts));
          console.log(
            `round ${round + 1}, ${mode}: receipts off ${Math.round(cpu(false))}, on ${Math.round(cpu(true))} µs CPU/request over ${windows} windows of ${seconds} s each`,
          );
        }
      } finally {
        for (const instance of instances.values()) {
          await instance.process.stop();
          instance.removeData();
        }
      }
    }
    return samples;
  });
}

/** The proxy's CPU per request over several windows together: all their CPU time over all their requests. */
export function cpuPerRequest(samples: readonly GatewaySample[]): number {
  const requests = samples.reduce((sum, s) => sum + s.sample.completed, 0);
  return samples.reduce((sum, s) => sum + s.sample.proxyCpuMicrosPerRequest * s.sample.completed, 0) / requests;
}

/** Requests per second over several windows together. */
export function requestsPerSecond(samples: readonly GatewaySample[]): number {
  const requests = samples.reduce((sum, s) => sum + s.sample.completed, 0);
  return requests / samples.reduce((sum, s) => sum + s.sample.completed / s.sample.requestsPerSec, 0);
}
