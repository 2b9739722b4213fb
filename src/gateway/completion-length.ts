import { CommonwealError } from '../errors/index.js';
import type { UsageEndpoint } from '../metering/index.js';

/** OpenAI's bound on `n`; a hold must know how many choices it pays for. */
export const choicesMax = 128;

/**
 * Length fields of other servers' own APIs. An upstream that honours one of them would
 * generate past the bound the hold was taken for, so they are refused rather than passed on.
 */
const vendorLengthFields: readonly string[] = Object.freeze(['n_predict', 'num_predict', 'max_new_tokens']);

/** How long an answer may be, as the client asked and as the upstream will be told. */
export interface CompletionLength {
  /**
   * Tokens per choice: the smaller of `max_tokens` and `max_completion_tokens`, capped by
   * the model's context length. Null when neither was given: the context then bounds the
   * answer, and a bound the size of the context would make vLLM refuse any prompt at all.
   */
  readonly maxTokensPerChoice: number | null;
  readonly choices: number;
}

/**
 * Reads the fields that bound a request's cost, once, where the request enters. The
 * upstream is then sent exactly this bound as `max_tokens` (see `upstreamBodies`), so
 * the credit hold and the model server agree on what the answer may cost.
 */
export function completionLengthOf(
  body: Readonly<Record<string, unknown>>,
  endpoint: UsageEndpoint,
  contextLength: number | null,
): CompletionLength {
  for (const field of vendorLengthFields) {
    if (body[field] !== undefined) {
      throw new CommonwealError('invalid_request', `${field} is not supported; use max_completion_tokens`, {
        param: field,
      });
    }
  }
  if (endpoint === 'embeddings') return { maxTokensPerChoice: null, choices: 1 };
  const asked = [positiveInteger(body, 'max_completion_tokens'), positiveInteger(body, 'max_tokens')];
  const given = asked.filter((value): value is number => value !== null);
  const choices = positiveInteger(body, 'n') ?? 1;
  if (choices > choicesMax)
    throw new CommonwealError('invalid_request', `n must be at most ${choicesMax}`, { param: 'n' });
  if (given.length === 0) return { maxTokensPerChoice: null, choices };
  return { maxTokensPerChoice: Math.min(...given, contextLength ?? Number.MAX_SAFE_INTEGER), choices };
}

function positiveInteger(body: Readonly<Record<string, unknown>>, field: string): number | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new CommonwealError('invalid_request', `${field} must be a whole number of at least 1`, { param: field });
  }
  return value;
}
