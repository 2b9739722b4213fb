import { CommonwealError } from '../errors/index.js';
import type { ChatGeneration, ChatMessage, ChatOutcome, EmbeddingOutcome, LoadedModel } from './loaded-model.js';
import type {
  ChatHistoryItem,
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
  NodeLlamaCpp,
} from './node-llama-cpp-api.js';

/** How to load one model file; the deployment's engine options, resolved. */
export interface LlamaCppLoadOptions {
  readonly path: string;
  /** Null: the smaller of 4096 and what the model was trained for. */
  readonly contextSize: number | 'auto' | null;
  readonly gpuLayers: 'auto' | 'max' | number;
  readonly sequences: number;
  /** Null: one per physical core, as llama.cpp counts them. */
  readonly threads: number | null;
  readonly signal: AbortSignal;
}

const contextSizeDefault = 4096;
// Compiling a JSON schema into a grammar takes milliseconds; clients tend to reuse a few schemas.
const grammarsCachedMax = 32;
const seedRange = 2 ** 32;

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'user') return { type: 'user', text: m.content };
    return { type: 'model', response: [m.content] };
  });
  // The turn the model is to write: the chat template renders its opening.
  history.push({ type: 'model', response: [] });
  return history;
}

/** A model file loaded by node-llama-cpp, with one context of `sequences` parallel sequences. */
class LlamaCppModel implements LoadedModel {
  readonly #binding: NodeLlamaCpp;
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #chatWrapper: ChatWrapper;
  readonly #threads: number | undefined;
  readonly #grammars = new Map<string, Promise<LlamaGrammar>>();
  /**
   * The context's sequences, taken at load and reused: a disposed sequence's slot comes
   * back to the context only some time later, so a fresh one per request could be missing.
   */
  readonly #freeSequences: LlamaContextSequence[] = [];
  #embedding: Promise<LlamaEmbeddingContext> | null = null;

  constructor(
    binding: NodeLlamaCpp,
    llama: Llama,
    model: LlamaModel,
    context: LlamaContext,
    threads: number | undefined,
  ) {
    this.#binding = binding;
    this.#llama = llama;
    this.#model = model;
    this.#context = context;
    while (context.sequencesLeft > 0) this.#freeSequences.push(context.getSequence());
    // Resolved once: the model's own Jinja template, or a built-in wrapper that renders it identically.
    this.#chatWrapper = binding.resolveChatWrapper(model);
    this.#threads = threads;
  }

  get contextSize(): number {
    return this.#context.contextSize;
  }

  get embeddingLength(): number {
    return this.#model.embeddingVectorSize;
  }

  async chat(generation: ChatGeneration, onText: (text: string) => void, signal: AbortSignal): Promise<ChatOutcome> {
    const history = toHistory(generation.messages);
    const promptTokens = this.#chatWrapper
      .generateContextState({ chatHistory: history })
      .contextText.tokenize(this.#model.tokenizer).length;
    const room = this.#context.contextSize - promptTokens;
    if (room < 1) {
      throw new CommonwealError(
        'invalid_request',
        `the prompt is ${promptTokens} tokens; this model's context holds ${this.#context.contextSize}`,
        {
          param: 'messages',
        },
      );
    }
    const maxTokens = Math.min(generation.maxTokens ?? room, room);
    const grammar = generation.jsonSchema === null ? undefined : await this.#grammarFor(generation.jsonSchema);
    // The caller's queue admits at most `sequences` generations at once, so one is always free.
    const sequence = this.#freeSequences.pop()!;
    const outputTokensBefore = sequence.tokenMeter.usedOutputTokens;
    const chat = new this.#binding.LlamaChat({ contextSequence: sequence, chatWrapper: this.#chatWrapper });
    try {
      const penalized = generation.frequencyPenalty !== 0 || generation.presencePenalty !== 0;
      const answer = await chat.generateResponse(history, {
        onTextChunk: (text) => {
          if (text !== '') onText(text);
        },
        signal,
        maxTokens,
        temperature: generation.temperature,
        topP: generation.topP,
        // OpenAI's seed is any integer; llama.cpp's is 32 bits, unsigned.
        ...(generation.seed === null ? {} : { seed: ((generation.seed % seedRange) + seedRange) % seedRange }),
        // OpenAI's penalties only; node-llama-cpp would add its own 1.1 repeat penalty otherwise.
        repeatPenalty: penalized
          ? { penalty: 1, frequencyPenalty: generation.frequencyPenalty, presencePenalty: generation.presencePenalty }
          : false,
        customStopTriggers: generation.stop,
        ...(grammar === undefined ? {} : { grammar }),
      });
      return {
        text: answer.response,
        finishReason: answer.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
        promptTokens,
        // The sequence is this request's alone meanwhile, so its meter counts exactly what it generated.
        completionTokens: sequence.tokenMeter.usedOutputTokens - outputTokensBefore,
      };
    } finally {
      chat.dispose({ disposeSequence: false });
      try {
        // Nothing of one tenant's prompt stays cached for the next request, whoever sends it.
        await sequence.clearHistory();
      } finally {
        this.#freeSequences.push(sequence);
      }
    }
  }

  async embed(inputs: readonly (string | readonly number[])[], signal: AbortSignal): Promise<EmbeddingOutcome> {
    const embedding = await this.#embeddingContext();
    const vectors: (readonly number[])[] = [];
    let promptTokens = 0;
    for (const [index, input] of inputs.entries()) {
      if (signal.aborted) throw signal.reason;
      const tokensOrText = typeof input === 'string' ? input : [...input];
      const length = embedding.calculateInputLength(tokensOrText);
      if (length >= this.#context.contextSize) {
        throw new CommonwealError(
          'invalid_request',
          `input ${index} is ${length} tokens; this model's context holds ${this.#context.contextSize}`,
          {
            param: 'input',
          },
        );
      }
      promptTokens += length;
      vectors.push((await embedding.getEmbeddingFor(tokensOrText)).vector);
    }
    return { vectors, promptTokens };
  }

  async dispose(): Promise<void> {
    const embedding = this.#embedding;
    this.#embedding = null;
    if (embedding !== null) await (await embedding.catch(() => null))?.dispose();
    await this.#context.dispose();
    await this.#model.dispose();
  }

  #embeddingContext(): Promise<LlamaEmbeddingContext> {
    // Made on the first embeddings request: chat-only deployments never pay for it.
    this.#embedding ??= this.#model.createEmbeddingContext({
      contextSize: this.#context.contextSize,
      ...(this.#threads === undefined ? {} : { threads: this.#threads }),
    });
    return this.#embedding;
  }

  #grammarFor(schema: object): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.#grammars.get(key);
    if (grammar === undefined) {
      if (this.#grammars.size >= grammarsCachedMax) this.#grammars.delete(this.#grammars.keys().next().value!);
      grammar = this.#llama.createGrammarForJsonSchema(schema).catch((error: unknown) => {
        this.#grammars.delete(key);
        throw new CommonwealError(
          'invalid_request',
          `the response_format schema cannot be turned into a grammar: ${(error as Error).message}`,
          {
            param: 'response_format',
            cause: error,
          },
        );
      });
      this.#grammars.set(key, grammar);
    }
    return grammar;
  }
}

/** Loads a GGUF file with node-llama-cpp; the file is known to exist and to be GGUF. */
export async function loadLlamaCppModel(
  binding: NodeLlamaCpp,
  llama: Llama,
  options: LlamaCppLoadOptions,
): Promise<LoadedModel> {
  const model = await llama.loadModel({
    modelPath: options.path,
    gpuLayers: options.gpuLayers,
    loadSignal: options.signal,
  });
  try {
    const contextSize = options.contextSize ?? Math.min(contextSizeDefault, model.trainContextSize);
    // node-llama-cpp's default is at least four threads, which on a two-core machine makes
    // every token wait for threads spinning on cores they do not get.
    const threads = options.threads ?? llama.cpuMathCores;
    const context = await model.createContext({
      contextSize,
      sequences: options.sequences,
      threads,
      createSignal: options.signal,
    });
    return new LlamaCppModel(binding, llama, model, context, threads);
  } catch (error) {
    await model.dispose();
    throw error;
  }
}
