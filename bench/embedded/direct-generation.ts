import { performance } from 'node:perf_hooks';
import type {
  ChatWrapper,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  NodeLlamaCpp,
} from '../../src/engines/node-llama-cpp-api.js';

/** One generation: tokens produced, the time from the call to the last token, and the CPU time it took. */
export interface GenerationSample {
  readonly tokens: number;
  readonly seconds: number;
  /** CPU time of the process that generated, all its threads, while it did. */
  readonly cpuMs: number;
}

/**
 * node-llama-cpp called directly, with the calls and settings Commonweal's embedded
 * engine makes (one context, the model's chat wrapper, greedy sampling, no repeat
 * penalty), so that the difference between the two is the gateway's cost per token.
 */
export class DirectGeneration {
  readonly #binding: NodeLlamaCpp;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #chatWrapper: ChatWrapper;
  readonly #sequence: LlamaContextSequence;

  private constructor(binding: NodeLlamaCpp, model: LlamaModel, context: LlamaContext) {
    this.#binding = binding;
    this.#model = model;
    this.#context = context;
    this.#chatWrapper = binding.resolveChatWrapper(model);
    this.#sequence = context.getSequence();
  }

  static async load(
    path: string,
    options: { readonly contextSize: number; readonly threads: number },
  ): Promise<DirectGeneration> {
    // By name, as the engine imports it: the package is an optional dependency.
    const moduleName = 'node-llama-cpp';
    const binding = (await import(moduleName)) as NodeLlamaCpp;
    const llama = await binding.getLlama({
      gpu: 'auto',
      build: 'never',
      progressLogs: false,
      logLevel: binding.LlamaLogLevel.warn,
    });
    const model = await llama.loadModel({ modelPath: path, gpuLayers: 'auto' });
    const context = await model.createContext({
      contextSize: options.contextSize,
      sequences: 1,
      threads: options.threads,
    });
    return new DirectGeneration(binding, model, context);
  }

  async generate(prompt: string, maxTokens: number): Promise<GenerationSample> {
    const chat = new this.#binding.LlamaChat({ contextSequence: this.#sequence, chatWrapper: this.#chatWrapper });
    let tokens = 0;
    const startedAtMs = performance.now();
    const cpuBefore = process.cpuUsage();
    try {
      await chat.generateResponse(
        [
          { type: 'user', text: prompt },
          { type: 'model', response: [] },
        ],
        {
          onTextChunk: (text) => {
            if (text !== '') tokens += 1;
          },
          maxTokens,
          temperature: 0,
          topP: 1,
          repeatPenalty: false,
          customStopTriggers: [],
        },
      );
      const cpu = process.cpuUsage(cpuBefore);
      return { tokens, seconds: (performance.now() - startedAtMs) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 };
    } finally {
      chat.dispose({ disposeSequence: false });
      // As the engine does between requests: each generation starts from an empty cache.
      await this.#sequence.clearHistory();
    }
  }

  async dispose(): Promise<void> {
    await this.#context.dispose();
    await this.#model.dispose();
  }
}
