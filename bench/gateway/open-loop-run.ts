import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { type BenchTarget, chatBody, chatPath, type WorkloadMode } from './bench-target.js';
import { type CpuUse, startCpuWindow } from './cpu-window.js';
import { percentile } from './sample-stats.js';

export interface OpenLoopSample {
  readonly targetPerSec: number;
  readonly achievedPerSec: number;
  readonly completed: number;
  readonly failed: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyP999Ms: number;
  readonly latencyMaxMs: number;
  /** How late the generator itself sent, at p99: its timer granularity and any lag of its own. */
  readonly sendLagP99Ms: number;
  readonly proxyCpuMicrosPerRequest: number;
  /** The larger share of a core that other processes on the machine took meanwhile. */
  readonly otherShare: number;
}

// Requests still unanswered this long after the schedule ended count as failed: a target
// that far behind cannot sustain the rate, and waiting longer would only lengthen the run.
const drainGraceMs = 3_000;

/**
 * Open-loop load at a fixed rate, in the manner of wrk2: request i is due at start + i/rate
 * whatever happened to earlier ones, and its latency is counted from when it was due, not
 * from when it was sent, so a stall is charged to every request it delayed (no coordinated
 * omission). The connections are many enough that the pool does not queue at this rate;
 * if it does, the queueing shows in the latency, as it should.
 *
 * autocannon's `overallRate` is not used for this: it lets each connection send its whole
 * share of a second back to back and then pause, so the load arrives in bursts at full speed.
 */
export async function runOpenLoop(
  target: BenchTarget,
  mode: WorkloadMode,
  options: {
    readonly perSec: number;
    readonly seconds: number;
    /** Sent at the same rate first and not counted: connections open and code warms up. */
    readonly warmupSeconds: number;
    readonly connections: number;
    readonly upstreamPid: number;
  },
): Promise<OpenLoopSample> {
  const warmup = Math.round(options.perSec * options.warmupSeconds);
  const counted = Math.max(1, Math.round(options.perSec * options.seconds));
  const total = warmup + counted;
  const intervalMs = 1000 / options.perSec;
  const latencies = new Float64Array(total).fill(Number.NaN);
  const lags = new Float64Array(total);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const request = {
    path: chatPath,
    method: 'POST' as const,
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: chatBody(mode),
  };
  let settled = 0;
  let lastAnsweredAt = 0;
  // A bare dispatch handler, not `pool.request`: no promise and no Readable per request,
  // so the generator takes as little as it can of the core it shares with the upstream.
  const send = (index: number, dueAt: number): void => {
    lags[index] = performance.now() - dueAt;
    let statusCode = 0;
    pool.dispatch(request, {
      // undici recognises a handler of this shape by its onRequestStart.
      onRequestStart: () => {},
      onResponseStart: (_controller, status) => {
        statusCode = status;
      },
      onResponseEnd: () => {
        if (statusCode === 200) {
          lastAnsweredAt = performance.now();
          latencies[index] = lastAnsweredAt - dueAt;
        }
        settled += 1;
      },
      onResponseError: () => {
        settled += 1;
      },
    });
  };
  let endWindow: (() => CpuUse) | undefined;
  const startAt = performance.now() + 5;
  let next = 0;
  // The sender wakes about every millisecond and sends whatever has fallen due; a busier
  // loop would take CPU from the upstream, which shares this core.
  while (next < total) {
    const now = performance.now();
    for (; next < total && startAt + next * intervalMs <= now; next += 1) {
      if (next === warmup) endWindow = startCpuWindow(target.proxyPid, options.upstreamPid);
      send(next, startAt + next * intervalMs);
    }
    if (next < total) await sleep(1);
  }
  const deadline = performance.now() + drainGraceMs;
  while (settled < total && performance.now() < deadline) await sleep(5);
  const cpu = endWindow!();
  await pool.destroy();
  const answered = latencies.subarray(warmup).filter((value) => !Number.isNaN(value));
  // Answers per second from the first counted request's due time to the last answer (or the schedule's end).
  const countedFrom = startAt + warmup * intervalMs;
  const answeringMs = Math.max(counted * intervalMs, lastAnsweredAt - countedFrom);
  return {
    targetPerSec: options.perSec,
    achievedPerSec: (answered.length * 1000) / answeringMs,
    completed: answered.length,
    failed: counted - answered.length,
    latencyP50Ms: percentile(answered, 0.5),
    latencyP99Ms: percentile(answered, 0.99),
    latencyP999Ms: percentile(answered, 0.999),
    latencyMaxMs: percentile(answered, 1),
    sendLagP99Ms: percentile(lags.subarray(warmup), 0.99),
    proxyCpuMicrosPerRequest: cpu.proxyMicros / answered.length,
    otherShare: Math.max(...cpu.otherShareByCore),
  };
}
