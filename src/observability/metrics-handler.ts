import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { CommonwealError, writeError } from '../errors/index.js';
import { sha256Hex, tokenMatchesHash } from '../secrets/index.js';

export interface MetricsHandlerOptions {
  readonly registry: Registry;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  readonly bearerToken?: string | undefined;
  /** Hears a scrape that failed for a reason of ours, such as a store that did not answer. */
  readonly onUnexpected: (error: unknown) => void;
}

const bearer = /^Bearer\s+(\S+)\s*$/i;

/**
 * Answers `GET /metrics` with the registry in Prometheus's text format, on plain node:http
 * so that it can serve the main port and a listener of its own alike. The token, when
 * set, is compared by hash in constant time: a scrape cannot learn it byte by byte.
 */
export function createMetricsHandler(
  options: MetricsHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const tokenHash = options.bearerToken === undefined ? undefined : sha256Hex(options.bearerToken);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      writeError(res, new CommonwealError('method_not_allowed', `/metrics takes GET, not ${req.method}`));
      return;
    }
    if (tokenHash !== undefined) {
      const token = bearer.exec(req.headers.authorization ?? '')?.[1];
      if (token === undefined || !tokenMatchesHash(token, tokenHash)) {
        const message = 'missing or wrong metrics token: send "Authorization: Bearer <metrics.bearerToken>"';
        writeError(
          res,
          new CommonwealError('invalid_metrics_token', message, { headers: { 'www-authenticate': 'Bearer' } }),
        );
        return;
      }
    }
    options.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': options.registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        if (writeError(res, error)) options.onUnexpected(error);
      },
    );
  };
}
