import autocannon from 'autocannon';
import { type BenchTarget, chatBody, chatPath, type WorkloadMode } from './bench-target.js';
import { startCpuWindow } from './cpu-window.js';

export interface SaturationSample {
  readonly requestsPerSec: number;
  readonly completed: number;
  /** Non-2xx answers, socket errors and timeouts. */
  readonly failed: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly proxyCpuMicrosPerRequest: number;
  /** Share of one core the proxy used: 1 means its core was saturated. */
  readonly proxyCoreShare: number;
  /** Share of the other core used by the load generator and the upstream together. */
  readonly loadCoreShare: number;
  /** The larger share of a core that other processes on the machine took meanwhile. */
  readonly otherShare: number;
}

/** Closed-loop load: `connections` clients each send the next request as soon as the last is answered. */
export async function runSaturation(
  target: BenchTarget,
  mode: WorkloadMode,
  options: { readonly connections: number; readonly seconds: number; readonly upstreamPid: number },
): Promise<SaturationSample> {
  const endWindow = startCpuWindow(target.proxyPid, options.upstreamPid);
  const result = await autocannon({
    url: target.origin + chatPath,
    connections: options.connections,
    duration: options.seconds,
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: chatBody(mode),
    timeout: 10,
  });
  const cpu = endWindow();
  const completed = result['2xx'];
  return {
    requestsPerSec: completed / result.duration,
    completed,
    failed: result.non2xx + result.errors + result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    proxyCpuMicrosPerRequest: cpu.proxyMicros / completed,
    proxyCoreShare: cpu.proxyMicros / cpu.wallMicros,
    loadCoreShare: cpu.loadMicros / cpu.wallMicros,
    otherShare: Math.max(...cpu.otherShareByCore),
  };
}
