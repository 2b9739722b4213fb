import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { type BenchTarget, chatBody, chatPath } from './bench-target.js';
import { memoryBytes } from './proc-stats.js';

export interface ConcurrentStreamsSample {
  readonly streams: number;
  /** Streams that had sent their first event while all were meant to be open at once. */
  readonly openAtOnce: number;
  readonly completed: number;
  readonly failed: number;
  /** Highest resident memory of the proxy sampled while every stream was open. */
  readonly rssAllOpenBytes: number;
  readonly rssBeforeBytes: number;
  /** VmHWM of the proxy after the streams, i.e. its peak over its whole life so far. */
  readonly peakRssBytes: number;
}

// The upstream sends an event every 400 ms, 12 times: each stream stays open about 5 s.
const slowStream = { metadata: { bench_chunk_interval_ms: '400', bench_chunks: '12' } } as const;
const openDeadlineMs = 4_000;
const finishDeadlineMs = 30_000;
const sampleEveryMs = 100;
const samplesMax = 10;

/**
 * Opens `count` slow streams through the proxy at once and samples its resident memory while
 * they are all open; then lets them finish. Bounded in time: streams not open by the
 * deadline are sampled as they are, streams not finished by the other are destroyed.
 */
export async function holdConcurrentStreams(target: BenchTarget, count: number): Promise<ConcurrentStreamsSample> {
  if (target.proxyPid === null) throw new Error('concurrent streams are measured on a proxy');
  const pid = target.proxyPid;
  const rssBeforeBytes = memoryBytes(pid).rssBytes;
  const pool = new Pool(target.origin, {
    connections: count,
    headersTimeout: finishDeadlineMs,
    bodyTimeout: finishDeadlineMs,
  });
  const request = {
    path: chatPath,
    method: 'POST' as const,
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: chatBody('stream', slowStream),
  };
  let open = 0;
  let completed = 0;
  let failed = 0;
  const streams = Array.from({ length: count }, async () => {
    try {
      const answer = await pool.request(request);
      let first = true;
      let text = '';
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        if (first) open += 1;
        first = false;
        text = (text + chunk.toString('utf8')).slice(-64);
      }
      if (answer.statusCode === 200 && text.includes('[DONE]')) completed += 1;
      else failed += 1;
    } catch {
      failed += 1;
    }
  });
  const openBy = performance.now() + openDeadlineMs;
  while (open + failed < count && performance.now() < openBy) await sleep(20);
  const openAtOnce = open - completed;
  let rssAllOpenBytes = 0;
  for (let i = 0; i < samplesMax && completed === 0; i += 1) {
    rssAllOpenBytes = Math.max(rssAllOpenBytes, memoryBytes(pid).rssBytes);
    await sleep(sampleEveryMs);
  }
  const finished = Promise.all(streams);
  const giveUp = new AbortController();
  const timedOut = sleep(finishDeadlineMs, 'timeout' as const, { signal: giveUp.signal }).catch(
    () => 'finished' as const,
  );
  const outcome = await Promise.race([finished, timedOut]);
  giveUp.abort();
  if (outcome === 'timeout') await pool.destroy();
  else await pool.close();
  return {
    streams: count,
    openAtOnce,
    completed,
    failed,
    rssAllOpenBytes,
    rssBeforeBytes,
    peakRssBytes: memoryBytes(pid).peakRssBytes,
  };
}
