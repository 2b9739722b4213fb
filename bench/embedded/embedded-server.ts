import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { GenerationSample } from './direct-generation.js';

const cliPath = fileURLToPath(new URL('../../src/cli/commonweal.js', import.meta.url));
const adminToken = 'cw_admin_bench_token_0123456789abcdef';
const startTimeoutMs = 30_000;
const modelId = 'tiny';
/**
 * The CPU time each thread of a process has run, in nanoseconds, from /proc/PID/task/TID/schedstat.
 * /proc/PID/stat counts in clock ticks of 10 ms, which is ±10 µs per token over a 1000-token sample:
 * as much as the differences this bench looks for.
 */
function threadCpuNs(pid: number): Map<string, number> {
  const times = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      times.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended between the listing and the read: it has nothing more to count.
    }
  }
  return times;
}

/**
 * CPU time between two snapshots, all threads. A thread that ended in between would go uncounted,
 * but the server's threads (its event loop, libuv's pool, V8's helpers) live as long as it does.
 */
function cpuMsBetween(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): number {
  let ns = 0;
  for (const [tid, time] of after) ns += time - (before.get(tid) ?? 0);
  return ns / 1e6;
}

async function post(url: string, path: string, body: unknown, token = adminToken): Promise<Record<string, unknown>> {
  const answer = await request(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await answer.body.text();
  if (answer.statusCode >= 300) throw new Error(`POST ${path} → ${answer.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function started(child: ChildProcess): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`commonweal did not start within ${startTimeoutMs} ms: ${output}`)),
      startTimeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4096);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`commonweal exited with ${code}: ${output}`)));
  });
}

/**
 * `commonweal serve` in its own process, with one embedded deployment of the tiny model,
 * called over HTTP as any client would: the whole gateway path (authentication, credit
 * hold, balancer, engine, SSE relay, metering before the last byte) is in every sample.
 */
export class EmbeddedServer {
  readonly #child: ChildProcess;
  readonly #url: string;
  readonly #apiKey: string;
  readonly #dataDir: string;

  private constructor(child: ChildProcess, url: string, apiKey: string, dataDir: string) {
    this.#child = child;
    this.#url = url;
    this.#apiKey = apiKey;
    this.#dataDir = dataDir;
  }

  static async start(
    modelPath: string,
    engineOptions: { readonly contextSize: number; readonly threads: number },
  ): Promise<EmbeddedServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'commonweal-bench-embedded-'));
    const child = spawn(
      process.execPath,
      [cliPath, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'],
      {
        env: { ...process.env, COMMONWEAL_ADMIN_TOKEN: adminToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const url = await started(child);
    await post(url, '/admin/v1/orgs', { id: 'bench', name: 'Bench', homeJurisdiction: 'DE' });
    await post(url, '/admin/v1/orgs/bench/projects', { id: 'main', name: 'Main' });
    await post(url, '/admin/v1/orgs/bench/credits', { amountMicro: 1_000_000_000_000_000, memo: 'benchmark' });
    const key = await post(url, '/admin/v1/orgs/bench/keys', { role: 'project', projectId: 'main' });
    await post(url, '/admin/v1/models', {
      id: modelId,
      inputPriceMicroPerMtok: 100_000,
      outputPriceMicroPerMtok: 200_000,
    });
    await post(url, '/admin/v1/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
    await post(url, '/admin/v1/deployments', {
      id: 'tiny-fra',
      modelId,
      siteId: 'fra-1',
      kind: 'embedded',
      source: modelPath,
      engineOptions: { ...engineOptions, parallelSequences: 1 },
    });
    return new EmbeddedServer(child, url, String(key.secret), dataDir);
  }

  /** One chat completion; streamed, the samples count the content events that arrived. */
  async generate(prompt: string, maxTokens: number, stream: boolean): Promise<GenerationSample> {
    const body = {
      model: modelId,
      messages: [{ role: 'user', content: prompt }],
      max_tokens: maxTokens,
      temperature: 0,
      stream,
    };
    const startedAtMs = performance.now();
    const cpuBefore = threadCpuNs(this.#child.pid!);
    const answer = await request(`${this.#url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await answer.body.text();
    const seconds = (performance.now() - startedAtMs) / 1000;
    const cpuMs = cpuMsBetween(cpuBefore, threadCpuNs(this.#child.pid!));
    if (answer.statusCode !== 200) throw new Error(`chat completion → ${answer.statusCode} ${text}`);
    if (!stream)
      return {
        tokens: (JSON.parse(text) as { usage: { completion_tokens: number } }).usage.completion_tokens,
        seconds,
        cpuMs,
      };
    return {
      tokens: text.split('\n\n').filter((event) => event.includes('"delta":{"content"')).length,
      seconds,
      cpuMs,
    };
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGTERM');
    await exited;
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
