import { type WorkloadMode, workloadModes } from '../gateway/bench-target.js';
import { commonwealTarget, startCommonweal } from '../gateway/commonweal-instance.js';
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
  readonly round: number;
  readonly sample: SaturationSample;
}

/**
 * Alternates the two builds, `rounds` times, at saturation for each workload; the off
 * copy is removed afterwards. Every other round starts with the on build, so that a
 * machine getting slower or faster through a run does not favour either build.
 */
export async function measureGateway(rounds: number, seconds: number, warmupSeconds: number): Promise<GatewaySample[]> {
  return withFeatureBuilds(async (receiptsOffCli, upstream) => {
    const samples: GatewaySample[] = [];
    for (let round = 0; round < rounds; round += 1) {
      for (const receipts of round % 2 === 0 ? [false, true] : [true, false]) {
        const instance = await startCommonweal(proxyCore, upstream.url, featureBuildOptions(receipts ? 'all on' : 'receipts off', receiptsOffCli));
        try {
          const target = commonwealTarget(instance);
          for (const mode of workloadModes) {
            await runSaturation(target, mode, { connections: 32, seconds: warmupSeconds, upstreamPid: upstream.pid });
            const sample = await runSaturation(target, mode, { connections: 32, seconds, upstreamPid: upstream.pid });
            samples.push({ receipts, mode, round, sample });
            console.log(`round ${round + 1}, receipts ${receipts ? 'on ' : 'off'}, ${mode}: ${Math.round(sample.requestsPerSec)} req/s, ${Math.round(sample.proxyCpuMicrosPerRequest)} µs CPU/request`);
          }
        } finally {
          await instance.process.stop();
          instance.removeData();
        }
      }
    }
    return samples;
  });
}
