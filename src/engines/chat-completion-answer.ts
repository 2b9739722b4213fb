import { randomUUID } from 'node:crypto';
import type { ChatOutcome } from './loaded-model.js';

interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

function usageOf(outcome: ChatOutcome): Usage {
  return {
    prompt_tokens: outcome.promptTokens,
    completion_tokens: outcome.completionTokens,
    total_tokens: outcome.promptTokens + outcome.completionTokens,
  };
}

/**
 * Writes one chat completion in OpenAI's shapes: a `chat.completion` object, or the
 * `chat.completion.chunk` events of a stream. The gateway relays these bytes as it
 * relays any model server's, and reads `usage` from them for metering.
 */
export class ChatCompletionAnswer {
  readonly #id = `chatcmpl-${randomUUID()}`;
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #model: string;
  /** A content event around its text, built once: a stream sends one per token. */
  readonly #contentPrefix: string;
  readonly #contentSuffix = '},"finish_reason":null,"logprobs":null}]}\n\n';

  constructor(model: string) {
    this.#model = model;
    const head = { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model };
    this.#contentPrefix = `data: ${JSON.stringify(head).slice(0, -1)},"choices":[{"index":0,"delta":{"content":`;
  }

  json(outcome: ChatOutcome): Buffer {
    return Buffer.from(
      JSON.stringify({
        id: this.#id,
        object: 'chat.completion',
        created: this.#created,
        model: this.#model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: outcome.text },
            finish_reason: outcome.finishReason,
            logprobs: null,
          },
        ],
        usage: usageOf(outcome),
      }),
    );
  }

  /** The first event: the role, with no content yet. */
  roleEvent(): string {
    return this.#event({ role: 'assistant', content: '' }, null);
  }

  contentEvent(text: string): string {
    return this.#contentPrefix + JSON.stringify(text) + this.#contentSuffix;
  }

  /** The last events: why generation stopped, the usage when asked for, and `[DONE]`. */
  endEvents(outcome: ChatOutcome, includeUsage: boolean): string {
    const finish = this.#event({}, outcome.finishReason);
    if (!includeUsage) return `${finish}data: [DONE]\n\n`;
    const usage = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [],
      usage: usageOf(outcome),
    };
    return `${finish}data: ${JSON.stringify(usage)}\n\ndata: [DONE]\n\n`;
  }

  #event(delta: object, finishReason: string | null): string {
    const chunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
