import { CommonwealError } from '../errors/index.js';
import type { EmbeddingOutcome } from './loaded-model.js';

/** An OpenAI embeddings request, checked. */
export interface EmbeddingsRequest {
  readonly model: string;
  /** Texts, or token ids as OpenAI allows them. */
  readonly inputs: readonly (string | readonly number[])[];
  readonly encoding: 'float' | 'base64';
  /** What the client asked for; the engine checks it against the model once it is loaded. */
  readonly dimensions: number | null;
}

const inputsMax = 2048;

function invalid(message: string): CommonwealError {
  return new CommonwealError('invalid_request', message, { param: 'input' });
}

function isTokenList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((t) => Number.isSafeInteger(t) && (t as number) >= 0);
}

function inputsOf(input: unknown): (string | number[])[] {
  if (typeof input === 'string') return [input];
  if (isTokenList(input)) return [input];
  if (!Array.isArray(input) || input.length === 0)
    throw invalid('input must be a string, an array of strings, or token arrays');
  if (input.length > inputsMax) throw invalid(`input may hold at most ${inputsMax} items`);
  return input.map((item: unknown) => {
    if (typeof item === 'string' || isTokenList(item)) return item;
    throw invalid('each input must be a string or an array of token ids');
  });
}

export function parseEmbeddingsRequest(body: Readonly<Record<string, unknown>>): EmbeddingsRequest {
  const encoding = body.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64')
    throw new CommonwealError('invalid_request', 'encoding_format must be float or base64', {
      param: 'encoding_format',
    });
  const dimensions = body.dimensions ?? null;
  if (dimensions !== null && (!Number.isSafeInteger(dimensions) || (dimensions as number) < 1)) {
    throw new CommonwealError('invalid_request', 'dimensions must be a positive integer', { param: 'dimensions' });
  }
  return {
    model: typeof body.model === 'string' ? body.model : '',
    inputs: inputsOf(body.input),
    encoding,
    dimensions: dimensions as number | null,
  };
}

/** llama.cpp cannot shorten embeddings, so `dimensions` is accepted only when it is the model's own. */
export function checkDimensions(request: EmbeddingsRequest, embeddingLength: number): void {
  if (request.dimensions !== null && request.dimensions !== embeddingLength) {
    throw new CommonwealError('invalid_request', `this model's embeddings have ${embeddingLength} dimensions`, {
      param: 'dimensions',
    });
  }
}

/** Base64 of little-endian float32s, as OpenAI sends it and its clients decode it. */
function base64Of(vector: readonly number[]): string {
  const floats = new Float32Array(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export function embeddingsAnswer(request: EmbeddingsRequest, outcome: EmbeddingOutcome): Buffer {
  return Buffer.from(
    JSON.stringify({
      object: 'list',
      model: request.model,
      data: outcome.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: request.encoding === 'base64' ? base64Of(vector) : vector,
      })),
      usage: { prompt_tokens: outcome.promptTokens, total_tokens: outcome.promptTokens },
    }),
  );
}
