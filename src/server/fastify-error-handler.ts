import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CommonwealError, toErrorAnswer } from '../errors/index.js';
import { validationError } from './admin/request-validation.js';

/** Fastify reports its own failures (parsing, size, routing) with FST_ codes; these are the ones a client can cause. */
function fromFastify(error: FastifyError): unknown {
  if (error.validation) return validationError(error.validationContext ?? 'request', error.validation);
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new CommonwealError('invalid_json', 'the request body is not valid JSON', { cause: error });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CommonwealError('body_too_large', 'the request body is larger than the server accepts', {
        cause: error,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CommonwealError('invalid_request', 'the request body must be JSON (content-type: application/json)', {
        cause: error,
      });
    case 'FST_ERR_BAD_URL':
      return new CommonwealError('invalid_request', 'the path has a malformed percent-escape', { cause: error });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new CommonwealError('invalid_request', 'a path parameter is longer than the server reads', {
        cause: error,
      });
  }
  // Errors thrown by JSON.parse inside Fastify's parser carry a 400 status but no FST code.
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return new CommonwealError('invalid_json', 'the request body is not valid JSON', { cause: error });
  }
  // Any other client fault Fastify detects (a body that does not match its Content-Length,
  // an unparsable content type, …) is bad input too: never a 500. Its messages are fixed
  // sentences that name the fault and hold no internals.
  const status = error.statusCode ?? 500;
  if (error.code?.startsWith('FST_') && status >= 400 && status < 500) {
    return new CommonwealError('invalid_request', error.message, { cause: error });
  }
  // Fastify marks a failure of the body's stream 400: the client went away mid-body, or the
  // server cut a body that trickled past http.requestTimeoutMs. Node's message ("aborted") is kept out.
  if (error.code === 'ECONNRESET' && status === 400) {
    return new CommonwealError('invalid_request', 'the connection closed before the request body was complete', {
      cause: error,
    });
  }
  return error;
}

/** The one place where an error leaves the management API: always the OpenAI error shape. */
export function fastifyErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const answer = toErrorAnswer(error instanceof CommonwealError ? error : fromFastify(error));
  if (answer.isUnexpected) request.log.error({ err: error }, 'unexpected error');
  void reply.code(answer.status).headers(answer.headers).send(answer.body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const error = new CommonwealError(
    'route_not_found',
    `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
  );
  void reply.code(error.status).send(toErrorAnswer(error).body);
}
