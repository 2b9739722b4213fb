import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { type BenchTarget, chatBody, chatPath } from './bench-target.js';

const requestTimeoutMs = 10_000;

/**
 * Time to first byte of streamed answers over one keep-alive connection: from just before
 * the request is written to the first chunk of the body (the first event), one request
 * after another. Returns one duration per request, in milliseconds; `warmup` more are sent
 * first and not counted.
 */
export async function measureStreamTtfb(target: BenchTarget, count: number, warmup: number): Promise<number[]> {
  const client = new Client(target.origin, { headersTimeout: requestTimeoutMs, bodyTimeout: requestTimeoutMs });
  const request = {
    path: chatPath,
    method: 'POST' as const,
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: chatBody('stream'),
  };
  const durations: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i += 1) {
      const sentAt = performance.now();
      const answer = await client.request(request);
      let firstAt: number | undefined;
      for await (const _chunk of answer.body) firstAt ??= performance.now();
      if (answer.statusCode !== 200 || firstAt === undefined)
        throw new Error(`${target.name}: stream answered ${answer.statusCode}`);
      if (i >= warmup) durations.push(firstAt - sentAt);
    }
  } finally {
    await client.close();
  }
  return durations;
}
