import { CommonwealError } from './commonweal-error.js';
import { errorCodeInfo } from './error-code.js';

export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string;
  };
}

export interface ErrorAnswer {
  readonly status: number;
  readonly body: OpenAiErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

const internal = new CommonwealError('internal_error', 'The server had an error while processing your request.');

/**
 * Turns any thrown value into the OpenAI error shape. Only a CommonwealError's message
 * reaches the client: an unknown error may carry internals, so it becomes a generic 500
 * and `isUnexpected` tells the caller to log its stack.
 */
export function toErrorAnswer(error: unknown): ErrorAnswer & { readonly isUnexpected: boolean } {
  const known = error instanceof CommonwealError ? error : internal;
  const info = errorCodeInfo[known.code];
  return {
    status: info.status,
    headers: known.headers,
    isUnexpected: known === internal,
    body: { error: { message: known.message, type: info.type, param: known.param, code: known.code } },
  };
}
