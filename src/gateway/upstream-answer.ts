import type { Readable } from 'node:stream';
import { CommonwealError } from '../errors/index.js';

/** Reads a whole upstream body, refusing one larger than `sizeBytesMax`. */
export async function readUpstreamBody(body: Readable, sizeBytesMax: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const piece of body as AsyncIterable<Buffer | string>) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    sizeBytes += chunk.length;
    if (sizeBytes > sizeBytesMax) {
      body.destroy();
      throw new CommonwealError('upstream_error', `the model server's answer is larger than ${sizeBytesMax} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, sizeBytes);
}

function isOpenAiError(value: unknown): boolean {
  const error = (value as { error?: unknown } | null)?.error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/** An upstream error status, turned into what the client should see. */
export interface ClientErrorAnswer {
  readonly status: number;
  readonly body: Buffer | CommonwealError;
  readonly errorCode: string;
}

/**
 * Decides what the client sees when a model server answered with an error that is not
 * worth trying elsewhere. Errors about the request (400, 404, 413, 422, 429) go back as
 * the server said them when they are in OpenAI's shape. Errors about the server or its
 * credentials are Commonweal's problem, not the client's: they become a 502, and the
 * server's text, which may name internals, stays out of the answer.
 */
export function clientErrorFor(status: number, body: Buffer): ClientErrorAnswer {
  const aboutTheRequest = status === 400 || status === 404 || status === 413 || status === 422 || status === 429;
  if (aboutTheRequest) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (isOpenAiError(parsed)) {
      const code = (parsed as { error: { code?: unknown } }).error.code;
      return { status, body, errorCode: typeof code === 'string' ? code : `upstream_${status}` };
    }
    const error = new CommonwealError('invalid_request', `the model server refused the request (status ${status})`);
    return { status: status === 429 ? 429 : 400, body: error, errorCode: `upstream_${status}` };
  }
  const error = new CommonwealError('upstream_error', `the model server answered with status ${status}`);
  return { status: error.status, body: error, errorCode: 'upstream_error' };
}
