/*
 * The part of node-llama-cpp 3.21 that the embedded engine uses, written out from the
 * package's own type declarations (dist/index.d.ts and the files it re-exports).
 *
 * node-llama-cpp is an optional dependency: it is imported at run time by a name held
 * in a variable, so that this code compiles, installs (`npm install --omit=optional`)
 * and serves without it. Declaring the subset here keeps that import typed; the
 * engine's tests run every call below against the real package.
 */

export type Token = number;

export interface ChatHistoryItem {
  readonly type: 'system' | 'user' | 'model';
  readonly text?: string;
  readonly response?: string[];
}

export interface LlamaText {
  tokenize(tokenizer: unknown): Token[];
}

export interface ChatWrapper {
  readonly wrapperName: string;
  generateContextState(options: { chatHistory: readonly ChatHistoryItem[] }): { contextText: LlamaText };
}

export type LlamaGrammar = object;

export interface TokenMeter {
  readonly usedInputTokens: number;
  readonly usedOutputTokens: number;
}

export interface LlamaContextSequence {
  readonly tokenMeter: TokenMeter;
  clearHistory(): Promise<void>;
  dispose(): void;
}

export interface LlamaContext {
  readonly contextSize: number;
  readonly sequencesLeft: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaEmbeddingContext {
  getEmbeddingFor(input: string | Token[]): Promise<{ readonly vector: readonly number[] }>;
  /** The tokens `getEmbeddingFor` evaluates for this input, with the model's BOS/EOS rules applied. */
  calculateInputLength(input: string | Token[]): number;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  readonly tokenizer: unknown;
  readonly trainContextSize: number;
  readonly embeddingVectorSize: number;
  readonly gpuLayers: number;
  tokenize(text: string, specialTokens?: boolean): Token[];
  createContext(options: {
    contextSize?: number | 'auto';
    sequences?: number;
    threads?: number;
    createSignal?: AbortSignal;
  }): Promise<LlamaContext>;
  createEmbeddingContext(options: {
    contextSize?: number | 'auto';
    threads?: number;
    createSignal?: AbortSignal;
  }): Promise<LlamaEmbeddingContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  readonly cpuMathCores: number;
  loadModel(options: {
    modelPath: string;
    gpuLayers?: 'auto' | 'max' | number;
    loadSignal?: AbortSignal;
  }): Promise<LlamaModel>;
  createGrammarForJsonSchema(schema: object): Promise<LlamaGrammar>;
  dispose(): Promise<void>;
}

export interface LlamaChatResponse {
  readonly response: string;
  readonly metadata: {
    readonly stopReason:
      | 'eogToken'
      | 'stopGenerationTrigger'
      | 'functionCalls'
      | 'maxTokens'
      | 'abort'
      | 'customStopTrigger';
  };
}

export interface LlamaChatGenerateOptions {
  onTextChunk?: (text: string) => void;
  signal?: AbortSignal;
  stopOnAbortSignal?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  repeatPenalty?: false | { frequencyPenalty?: number; presencePenalty?: number; penalty?: number };
  customStopTriggers?: readonly string[];
  grammar?: LlamaGrammar;
}

export interface LlamaChat {
  generateResponse(history: ChatHistoryItem[], options: LlamaChatGenerateOptions): Promise<LlamaChatResponse>;
  dispose(options?: { disposeSequence?: boolean }): void;
}

export interface NodeLlamaCpp {
  getLlama(options: {
    gpu?: 'auto' | false;
    build?: 'never';
    progressLogs?: boolean;
    logLevel?: string;
    logger?: (level: string, message: string) => void;
  }): Promise<Llama>;
  resolveChatWrapper(model: LlamaModel): ChatWrapper;
  LlamaChat: new (options: { contextSequence: LlamaContextSequence; chatWrapper: ChatWrapper }) => LlamaChat;
  LlamaLogLevel: Readonly<Record<'disabled' | 'fatal' | 'error' | 'warn' | 'info' | 'log' | 'debug', string>>;
}
