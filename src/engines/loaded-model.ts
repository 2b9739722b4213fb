/** One chat message, already reduced to text. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** What to generate, in the engine's terms; `chat-completion-request.ts` builds it from an OpenAI body. */
export interface ChatGeneration {
  readonly messages: readonly ChatMessage[];
  /** Null: until the context is full. */
  readonly maxTokens: number | null;
  readonly temperature: number;
  readonly topP: number;
  readonly seed: number | null;
  readonly stop: readonly string[];
  readonly frequencyPenalty: number;
  readonly presencePenalty: number;
  /** A JSON schema the answer must follow, enforced by a grammar; `{}` for any JSON object. */
  readonly jsonSchema: object | null;
}

export interface ChatOutcome {
  readonly text: string;
  readonly finishReason: 'stop' | 'length';
  /** The prompt as the model's chat template renders it, in tokens. */
  readonly promptTokens: number;
  /** Every token the model generated, those of a stop sequence included. */
  readonly completionTokens: number;
}

export interface EmbeddingOutcome {
  readonly vectors: readonly (readonly number[])[];
  readonly promptTokens: number;
}

/** A model loaded by the embedded engine, ready to generate. */
export interface LoadedModel {
  readonly contextSize: number;
  readonly embeddingLength: number;
  /**
   * `onText` gets the answer piece by piece, one token's text at a time. Throws
   * `invalid_request` before generating anything when the prompt leaves no room to answer.
   */
  chat(generation: ChatGeneration, onText: (text: string) => void, signal: AbortSignal): Promise<ChatOutcome>;
  embed(inputs: readonly (string | readonly number[])[], signal: AbortSignal): Promise<EmbeddingOutcome>;
  dispose(): Promise<void>;
}
