import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type CommonwealError, toErrorAnswer } from '../errors/index.js';

/**
 * Answers on a bare connection, where Node gives no response object (a request it could
 * not parse, a CONNECT), with the same OpenAI error shape as every other answer, then
 * closes it: what follows on the connection cannot be framed.
 */
export function writeSocketError(socket: Duplex, error: CommonwealError): void {
  const answer = toErrorAnswer(error);
  const body = JSON.stringify(answer.body);
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`,
    ...Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`),
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
