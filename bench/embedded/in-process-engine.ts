import { performance } from 'node:perf_hooks';
import { serverConfigDefaults } from '../../src/config/index.js';
import { EmbeddedLlamaEngine } from '../../src/engines/embedded-llama-engine.js';
import { EmbeddedRuntime } from '../../src/engines/embedded-runtime.js';
import { gatewayOptions } from '../../src/gateway-options.js';
import type { GenerationSample } from './direct-generation.js';

/**
 * Commonweal's embedded engine called in this process, with no HTTP and no gateway: what
 * the engine itself adds to node-llama-cpp, apart from what the gateway's relay adds.
 */
export class InProcessEngine {
  readonly #runtime: EmbeddedRuntime;
  readonly #engine: EmbeddedLlamaEngine;

  constructor(modelPath: string, engineOptions: { readonly contextSize: number; readonly threads: number }) {
    this.#runtime = new EmbeddedRuntime({
      modelsDir: '/nonexistent',
      idleUnloadMs: 3_600_000,
      loadRetryMs: 0,
      queuedRequestsMax: 1,
      timeouts: gatewayOptions(serverConfigDefaults.gateway).upstream,
      moduleName: 'node-llama-cpp',
      log: () => undefined,
    });
    this.#engine = new EmbeddedLlamaEngine(
      { deploymentId: 'bench', source: modelPath, options: { ...engineOptions, parallelSequences: 1 } },
      this.#runtime,
    );
  }

  /** A streamed chat completion, read to its end; the sample counts its content events. */
  async generate(prompt: string, maxTokens: number): Promise<GenerationSample> {
    const body = {
      model: 'tiny',
      messages: [{ role: 'user', content: prompt }],
      max_tokens: maxTokens,
      temperature: 0,
      stream: true,
    };
    const startedAtMs = performance.now();
    const cpuBefore = process.cpuUsage();
    const response = await this.#engine.send({
      method: 'POST',
      path: '/v1/chat/completions',
      body: Buffer.from(JSON.stringify(body)),
      headers: {},
      signal: new AbortController().signal,
    });
    let text = '';
    for await (const chunk of response.body as AsyncIterable<string>) text += chunk;
    const cpu = process.cpuUsage(cpuBefore);
    const tokens = text.split('\n\n').filter((event) => event.includes('"delta":{"content"')).length;
    return { tokens, seconds: (performance.now() - startedAtMs) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  async close(): Promise<void> {
    await this.#engine.close();
    await this.#runtime.close();
  }
}
