import { CommonwealError } from '../errors/index.js';

/**
 * The `error.type` of a failure: our own error's stable code, which is also what the client was told, or the
 * class of anything else, as the OpenTelemetry conventions ask.
 */
export function errorTypeOf(error: unknown): string {
  if (error instanceof CommonwealError) return error.code;
  return error instanceof Error ? error.name : '_OTHER';
}
