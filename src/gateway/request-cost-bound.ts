import { estimateTokensOfBytes } from '../metering/index.js';
import type { InferenceRequest } from './inference-request.js';

/**
 * Tokens a chat template adds around the messages (role markers, the generation prompt),
 * counted generously: templates of current open-weight models add a few per message.
 */
const templateOverheadTokens = 64;
const templateOverheadTokensPerMessage = 8;

export interface RequestTokenBound {
  /** At least the prompt's tokens: a token covers at least one byte of UTF-8 text. */
  readonly promptTokensMax: number;
  /** At least the tokens the model may produce, over every choice. */
  readonly completionTokensMax: number;
  /** The estimate that rate limits count, as OpenAI counts it: prompt bytes / 4 plus what the request asks for at most. */
  readonly rateLimitTokens: number;
}

/**
 * A safe upper bound of a request's tokens without a tokenizer. The prompt is bounded by
 * the body's bytes: every prompt character is in the JSON body at least as many bytes as
 * it has in UTF-8 (escaping only lengthens it), and no tokenizer makes more tokens than
 * bytes, plus the template's overhead. The completion is bounded by the length the
 * upstream is sent (`completion`) times `n`, or the model's context length when the
 * client gave none.
 */
export function requestTokenBound(
  request: Pick<InferenceRequest, 'body' | 'model' | 'bodySizeBytes' | 'endpoint' | 'completion'>,
  completionTokensDefaultMax: number,
): RequestTokenBound {
  const { body, model } = request;
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  const context = model.contextLength ?? Number.MAX_SAFE_INTEGER;
  const promptTokensMax = Math.min(
    request.bodySizeBytes + templateOverheadTokens + templateOverheadTokensPerMessage * messages,
    context,
  );
  const { maxTokensPerChoice: asked, choices } = request.completion;
  const perChoice =
    request.endpoint === 'embeddings' ? 0 : (asked ?? model.contextLength ?? completionTokensDefaultMax);
  return {
    promptTokensMax,
    completionTokensMax: perChoice * choices,
    rateLimitTokens: estimateTokensOfBytes(request.bodySizeBytes) + (asked ?? 0) * choices,
  };
}
