import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { cpuTimeMicros } from './proc-stats.js';

/** CPU use over a stretch of wall time, for the proxy's core and the load core. */
export interface CpuUse {
  readonly wallMicros: number;
  /** CPU time of the proxy process, or NaN when there is none. */
  readonly proxyMicros: number;
  /** CPU time of the load generator (this process) and the upstream, which share the other core. */
  readonly loadMicros: number;
  /**
   * Share of each core (0, 1) that went to processes outside the benchmark: another job on
   * the machine. Anything much above zero means the figures of this window are disturbed.
   */
  readonly otherShareByCore: readonly [number, number];
}

/**
 * Process time (user, nice, system) and total jiffies of cores 0 and 1 from /proc/stat.
 * Interrupt time is left out of the busy part: the loopback traffic of the benchmark itself
 * lands there, and it is not another job's doing.
 */
function coreJiffies(): [{ busy: number; total: number }, { busy: number; total: number }] {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const core = (n: number) => {
    const fields = (lines.find((line) => line.startsWith(`cpu${n} `)) ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (fields[0] ?? 0) + (fields[1] ?? 0) + (fields[2] ?? 0), total };
  };
  return [core(0), core(1)];
}

/** Starts measuring; the returned function ends the window and reports it. */
export function startCpuWindow(proxyPid: number | null, upstreamPid: number): () => CpuUse {
  const startedAt = performance.now();
  const coresStart = coreJiffies();
  const proxyStart = proxyPid === null ? Number.NaN : cpuTimeMicros(proxyPid);
  const selfStart = process.cpuUsage();
  const upstreamStart = cpuTimeMicros(upstreamPid);
  return () => {
    const self = process.cpuUsage(selfStart);
    const proxyMicros = proxyPid === null ? Number.NaN : cpuTimeMicros(proxyPid) - proxyStart;
    const loadMicros = self.user + self.system + cpuTimeMicros(upstreamPid) - upstreamStart;
    const coresEnd = coreJiffies();
    const busyShare = (n: 0 | 1) =>
      (coresEnd[n].busy - coresStart[n].busy) / Math.max(1, coresEnd[n].total - coresStart[n].total);
    const wallMicros = (performance.now() - startedAt) * 1000;
    const ours = [Number.isNaN(proxyMicros) ? 0 : proxyMicros / wallMicros, loadMicros / wallMicros] as const;
    return {
      wallMicros,
      proxyMicros,
      loadMicros,
      otherShareByCore: [Math.max(0, busyShare(0) - ours[0]), Math.max(0, busyShare(1) - ours[1])],
    };
  };
}
