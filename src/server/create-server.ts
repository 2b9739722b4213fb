import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { ServerConfig } from '../config/index.js';
import { CommonwealError } from '../errors/index.js';
import type { ServingGate } from '../gateway/index.js';
import { newTimeOrderedId } from '../store/index.js';
import { type AdminDeps, adminApi, adminPrefix, validatorCompiler } from './admin/index.js';
import { clientErrorHandler } from './client-error-handler.js';
import { consoleRoutes } from './console-routes.js';
import { createDispatchingServer } from './dispatching-server.js';
import { fastifyErrorHandler, notFoundHandler } from './fastify-error-handler.js';
import { useCheckedJsonParser } from './use-checked-json-parser.js';

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
  /** Replicas sharing a database: /readyz fails while this one refuses requests, so that a balancer skips it. */
  readonly gate?: ServingGate | undefined;
  /** Prometheus's /metrics on the main port; absent when metrics are off or have a listener of their own. */
  readonly metrics?: InferenceHandler | undefined;
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
    // One id per request everywhere: what the client reads in x-request-id is what the log says, as on /v1.
    genReqId: () => newTimeOrderedId('req'),
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: config.http.bodySizeBytesMax,
    clientErrorHandler: clientErrorHandler(config.http),
    // Bad URLs and over-long path parameters, found before routing, answer like every other error.
    frameworkErrors: fastifyErrorHandler,
    // Closing, Fastify answers a request that still arrives on a busy keep-alive connection with
    // its own 503 body; the onRequest hook below answers it in the OpenAI shape instead.
    return503OnClosing: false,
    serverFactory: (fastifyHandler) => createDispatchingServer(config.http, parts, fastifyHandler),
  });
  app.setValidatorCompiler(validatorCompiler);
  useCheckedJsonParser(app);
  app.setErrorHandler(fastifyErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
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
    if (parts.gate?.refusal() !== undefined)
      return reply.code(503).send({ status: 'not_ready', configuration: 'stale' });
    try {
      await parts.ping();
      // A model that failed to load leaves the server ready: its other models still serve.
      const engines = parts.engineStates?.() ?? {};
      return Object.keys(engines).length === 0
        ? { status: 'ready', store: 'ok' }
        : { status: 'ready', store: 'ok', engines };
    } catch (error) {
      app.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'not_ready', store: 'unreachable' });
    }
  });
  await app.register(async (scope) => adminApi(scope, parts.admin), { prefix: adminPrefix });
  await consoleRoutes(app);
  await app.ready();
  return app;
}
