import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerConfig } from '../config/index.js';
import { CommonwealError, writeError } from '../errors/index.js';
import { checkNoNulInUrl } from './check-no-nul.js';
import { checkPathEncoding } from './check-path-encoding.js';
import type { ServerDrain } from './server-drain.js';
import { writeSocketError } from './write-socket-error.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
/** A handler that may go on after the answer's last byte, recording the request; it resolves once done. */
type SettlingHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export const metricsPath = '/metrics';

/** The handlers that bypass Fastify, for speed on the hot path. */
export interface PlainRoutes {
  readonly inference?: SettlingHandler | undefined;
  /** The transparency log's public endpoints and receipts, answered before the gateway sees /v1. */
  readonly transparencyLog?: { handles(path: string): boolean; handle: Handler } | undefined;
  /** Prometheus's /metrics, when it is served on this port. */
  readonly metrics?: Handler | undefined;
}

/**
 * The node:http server under everything: the log's paths and /v1 go to their plain
 * handlers, the rest to Fastify. It bounds how long a request may take to arrive, and
 * tells `drain` about every request, so that a shutdown waits for them.
 */
export function createDispatchingServer(
  http: ServerConfig['http'],
  routes: PlainRoutes,
  fastifyHandler: Handler,
  drain: ServerDrain,
): Server {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = http;
  const timeouts = {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    // Node looks for late requests on this interval, 30 s by default, so a 10 s headers
    // timeout took effect after up to 40 s; a tenth of it makes a timeout 10 % late at most.
    connectionsCheckingInterval: Math.max(10, Math.floor(headersTimeoutMs / 10)),
  };
  const dispatch = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split('?')[0] ?? '/';
    const isLog = routes.transparencyLog?.handles(path) === true;
    const isInference = routes.inference !== undefined && path.startsWith('/v1/');
    const isMetrics = routes.metrics !== undefined && path === metricsPath;
    // A keep-alive client learns from this answer to open its next connection elsewhere.
    if (drain.draining) res.setHeader('connection', 'close');
    try {
      if (req.httpVersion === '1.1' && req.headers.host === undefined) {
        throw new CommonwealError('invalid_request', 'an HTTP/1.1 request must have a Host header', {
          headers: { connection: 'close' },
        });
      }
      checkNoNulInUrl(req.url ?? '/');
      // Fastify checks the escapes of its own routes (FST_ERR_BAD_URL).
      if (isLog || isInference) checkPathEncoding(path);
    } catch (error) {
      drain.track(res);
      writeError(res, error);
      return;
    }
    if (isMetrics) {
      drain.track(res);
      routes.metrics!(req, res);
    } else if (isLog) {
      drain.track(res);
      routes.transparencyLog!.handle(req, res);
    } else if (isInference) {
      drain.track(res, routes.inference!(req, res));
    } else {
      drain.track(res);
      fastifyHandler(req, res);
    }
  };
  // Node would answer a missing Host (400), an Expect other than 100-continue (417) and a
  // CONNECT (the connection closed) itself, outside the OpenAI shape. The Host check is
  // done above instead; an unknown expectation is ignored, as RFC 9110 allows.
  const server = createServer({ ...timeouts, requireHostHeader: false }, dispatch);
  server.on('checkExpectation', dispatch);
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    writeSocketError(socket, new CommonwealError('method_not_allowed', 'CONNECT is not served: this is not a proxy'));
  });
  return server;
}
