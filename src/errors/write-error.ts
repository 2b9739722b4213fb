import type { ServerResponse } from 'node:http';
import { toErrorAnswer } from './openai-error-body.js';

/**
 * Answers a raw node:http response with the OpenAI error shape, for the parts of the
 * server that do not go through Fastify. Returns whether the error was unexpected, so
 * that the caller logs its stack.
 */
export function writeError(
  res: ServerResponse,
  error: unknown,
  extraHeaders: Readonly<Record<string, string>> = {},
): boolean {
  const answer = toErrorAnswer(error);
  const body = JSON.stringify(answer.body);
  if (!res.headersSent) {
    res.writeHead(answer.status, {
      ...extraHeaders,
      ...answer.headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
  }
  res.end(body);
  return answer.isUnexpected;
}
