import type { IncomingMessage } from 'node:http';
import { CommonwealError } from '../errors/index.js';
import { checkJsonDepth } from './check-json-depth.js';

/**
 * Reads a request body up to `sizeBytesMax`. A declared length over the limit is refused
 * before a byte is read; an undeclared (chunked) body is refused as soon as it passes the
 * limit, so a huge body never sits in memory. The refusal closes the connection once
 * answered: the rest of the body, which may never end, is neither read nor waited for.
 */
export function readBody(req: IncomingMessage, sizeBytesMax: number): Promise<Buffer> {
  const tooLarge = () =>
    new CommonwealError('body_too_large', `the request body is larger than ${sizeBytesMax} bytes`, {
      headers: { connection: 'close' },
    });
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > sizeBytesMax) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sizeBytes = 0;
    const onData = (chunk: Buffer) => {
      sizeBytes += chunk.length;
      if (sizeBytes > sizeBytesMax) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, sizeBytes)));
    // The client went away, or the server cut a body that trickled in past http.requestTimeoutMs:
    // an ending the client caused, not an unexpected error to log with its stack.
    req.once('error', (error) => {
      const message = 'the connection closed before the request body was complete';
      reject(new CommonwealError('invalid_request', message, { cause: error }));
    });
  });
}

/** Parses a JSON object body; anything else, or one nested too deep, is a 400 that names the problem. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  checkJsonDepth(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CommonwealError('invalid_json', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CommonwealError('invalid_request', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
