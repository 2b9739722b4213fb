import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ServerConfig } from '../config/index.js';
import { CommonwealError, writeError } from '../errors/index.js';
import { metricsPath } from './dispatching-server.js';

/**
 * The listener of `metrics.port`: /metrics and nothing else, so that a port open to the
 * monitoring network exposes no API. It keeps the main server's time limits.
 */
export function createMetricsServer(
  http: ServerConfig['http'],
  metrics: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  return createServer(
    {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      keepAliveTimeout: http.keepAliveTimeoutMs,
    },
    (req, res) => {
      if ((req.url ?? '/').split('?')[0] === metricsPath) metrics(req, res);
      else writeError(res, new CommonwealError('route_not_found', `this port serves only ${metricsPath}`));
    },
  );
}
