import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { type BenchTarget, chatBody, chatPath, type WorkloadMode } from './bench-target.js';

const requestTimeoutMs = 10_000;

/**
 * Latency over one keep-alive connection, one request after another, from just before the
 * request is written: to the whole answer read for plain requests, to the first chunk of
 * the body (the first event) for streamed ones, i.e. the time to first byte. Returns one
 * duration per request, in milliseconds; `warmup` more are sent first and not counted.
 */
export async function measureOneConnection(
  target: BenchTarget,
  mode: WorkloadMode,
  count: number,
  warmup: number,
): Promise<number[]> {
  const client = new Client(target.origin, { headersTimeout: requestTimeoutMs, bodyTimeout: requestTimeoutMs });
  const request = {
    path: chatPath,
    method: 'POST' as const,
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: chatBody(mode),
  };
  const durations: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i += 1) {
      const sentAt = performance.now();
      const answer = await client.request(request);
      let firstAt: number | undefined;
      for await (const _chunk of answer.body) firstAt ??= performance.now();
      const doneAt = performance.now();
      if (answer.statusCode !== 200 || firstAt === undefined)
        throw new Error(`${target.name}: ${mode} request answered ${answer.statusCode}`);
      if (i >= warmup) durations.push((mode === 'stream' ? firstAt : doneAt) - sentAt);
    }
  } finally {
    await client.close();
  }
  return durations;
}
