import { maxHeaderSize, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config/index.js';
import { CommonwealError } from '../errors/index.js';
import { writeSocketError } from './write-socket-error.js';

function fromClientError(error: NodeJS.ErrnoException, http: ServerConfig['http']): CommonwealError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const limits = `headers within ${http.headersTimeoutMs} ms, the whole request within ${http.requestTimeoutMs} ms`;
    return new CommonwealError('request_timeout', `the request did not arrive in time (${limits})`, { cause: error });
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    const message = `the request line and headers are larger than the ${maxHeaderSize} bytes the server reads`;
    return new CommonwealError('headers_too_large', message, { cause: error });
  }
  // llhttp's codes name the fault (HPE_UNEXPECTED_CONTENT_LENGTH, HPE_INVALID_METHOD, …) and carry no request data.
  const reason = error.code === undefined ? '' : ` (${error.code})`;
  return new CommonwealError('invalid_request', `the request is not well-formed HTTP/1.1${reason}`, { cause: error });
}

/**
 * Node's `clientError`: the request could not be parsed, or did not arrive in time, so no
 * handler ever saw it. The answer is written straight to the socket, in the OpenAI shape,
 * and the connection closed. As Node does, nothing is written once the answer to a request
 * on the connection has begun: bytes added to it would corrupt that answer.
 */
export function clientErrorHandler(http: ServerConfig['http']) {
  return function onClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    this.log.debug({ err: error }, 'malformed or late request');
    writeSocketError(socket, fromClientError(error, http));
  };
}
