import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile } from './sample-stats.js';

export interface FsyncLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const pageBytes = 4096;

/**
 * How long an fsync takes in `dir` right now: `count` times, append a 4 KiB page and fsync.
 * Commonweal makes a request's records durable before the answer's last byte goes out, so
 * this latency shows in its figures and not in the bare proxy's.
 */
export function probeFsync(dir: string, count: number): FsyncLatency {
  const path = join(dir, 'fsync-probe.bin');
  const page = Buffer.alloc(pageBytes, 0x5a);
  const fd = openSync(path, 'w');
  const durations: number[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const startedAt = performance.now();
      writeSync(fd, page);
      fsyncSync(fd);
      durations.push(performance.now() - startedAt);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  return { p50Ms: percentile(durations, 0.5), p99Ms: percentile(durations, 0.99) };
}
