import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config/index.js';
import { CommonwealError, writeError } from '../errors/index.js';
import { checkJsonDepth } from '../gateway/index.js';
import { type AdminDeps, adminApi, adminPrefix, validatorCompiler } from './admin/index.js';
import { checkPathEncoding } from './check-path-encoding.js';
import { clientErrorHandler } from './client-error-handler.js';
import { fastifyErrorHandler, notFoundHandler } from './fastify-error-handler.js';

/** The inference API's handler: plain node:http, outside Fastify, for speed on the hot path. */
export type InferenceHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ServerParts {
  readonly config: ServerConfig;
  readonly log: FastifyBaseLogger;
  readonly admin: AdminDeps;
  readonly version: string;
  /** Resolves when the store answers; /readyz reports its failure. */
  readonly ping: () => Promise<void>;
  readonly inference?: InferenceHandler | undefined;
  /** The transparency log's public endpoints and receipts, answered before the gateway sees /v1. */
  readonly transparencyLog?: { handles(path: string): boolean; handle: InferenceHandler } | undefined;
  /** The state of each deployment whose engine runs in this process, for /readyz; empty when there is none. */
  readonly engineStates?: () => Readonly<Record<string, { readonly state: string; readonly reason: string | null }>>;
}

/**
 * One node:http server for everything. Requests under /v1/ go straight to the inference
 * handler; everything else (management API, health, OpenAPI) goes through Fastify, which
 * suits the management side: schemas, validation and an OpenAPI document.
 */
export async function createAppServer(parts: ServerParts): Promise<FastifyInstance> {
  const { config } = parts;
  const app = Fastify({
    loggerInstance: parts.log,
    bodyLimit: config.http.bodySizeBytesMax,
    clientErrorHandler: clientErrorHandler(config.http),
    // Bad URLs and over-long path parameters, found before routing, answer like every other error.
    frameworkErrors: fastifyErrorHandler,
    // Closing, Fastify answers a request that still arrives on a busy keep-alive connection with
    // its own 503 body; the onRequest hook below answers it in the OpenAI shape instead.
    return503OnClosing: false,
    serverFactory: (fastifyHandler) => {
      const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
      const timeouts = {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        keepAliveTimeout: keepAliveTimeoutMs,
        // Node looks for late requests on this interval, 30 s by default, so a 10 s headers
        // timeout took effect after up to 40 s; a tenth of it makes a timeout 10 % late at most.
        connectionsCheckingInterval: Math.max(10, Math.floor(headersTimeoutMs / 10)),
      };
      const server: Server = createServer(timeouts, (req, res) => {
        const path = req.url?.split('?')[0] ?? '/';
        const isLog = parts.transparencyLog?.handles(path) === true;
        const isInference = parts.inference !== undefined && path.startsWith('/v1/');
        if (!isLog && !isInference) return fastifyHandler(req, res);
        try {
          checkPathEncoding(path);
        } catch (error) {
          writeError(res, error);
          return;
        }
        if (isLog) parts.transparencyLog!.handle(req, res);
        else parts.inference!(req, res);
      });
      return server;
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Fastify's own JSON parsing (with its prototype-poisoning guard, at its defaults), behind
  // the same nesting bound as /v1: a deep body never reaches validation or the store.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      checkJsonDepth(body as string);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
  app.setErrorHandler(fastifyErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new CommonwealError('not_ready', 'the server is shutting down; retry the request');
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Commonweal management API', version: parts.version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.get('/admin/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await parts.ping();
      // A model that failed to load leaves the server ready: its other models still serve.
      const engines = parts.engineStates?.() ?? {};
      return Object.keys(engines).length === 0 ? { status: 'ready', store: 'ok' } : { status: 'ready', store: 'ok', engines };
    } catch (error) {
      app.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'not_ready', store: 'unreachable' });
    }
  });
  await app.register(async (scope) => adminApi(scope, parts.admin), { prefix: adminPrefix });
  await app.ready();
  return app;
}
