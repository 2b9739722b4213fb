import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { ServerConfig } from '../config/index.js';
import type { ServingGate } from '../gateway/index.js';
import { newTimeOrderedId } from '../store/index.js';
import { type AdminDeps, adminApi, adminPrefix, validatorCompiler } from './admin/index.js';
import { clientErrorHandler } from './client-error-handler.js';
import { consoleRoutes } from './console-routes.js';
import { createDispatchingServer } from './dispatching-server.js';
import { fastifyErrorHandler, notFoundHandler } from './fastify-error-handler.js';
import type { ServerDrain } from './server-drain.js';
import { useCheckedJsonParser } from './use-checked-json-parser.js';

/**
 * The inference API's handler: plain node:http, outside Fastify, for speed on the hot path.
 * It resolves once the request is recorded, which may be after the answer's last byte.
 */
export type InferenceHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface ServerParts {
  readonly config: ServerConfig;
  readonly log: FastifyBaseLogger;
  readonly admin: AdminDeps;
  readonly version: string;
  /** Resolves when the store answers; /readyz reports its failure. */
  readonly ping: () => Promise<void>;
  readonly inference?: InferenceHandler | undefined;
  /** The transparency log's public endpoints and receipts, answered before the gateway sees /v1. */
  readonly transparencyLog?:
    | { handles(path: string): boolean; handle(req: IncomingMessage, res: ServerResponse): void }
    | undefined;
  /** What a shutdown drains: it counts the requests in flight, and while it drains /readyz answers 503. */
  readonly drain: ServerDrain;
  /** Replicas sharing a database: /readyz fails while this one refuses requests, so that a balancer skips it. */
  readonly gate?: ServingGate | undefined;
  /** Prometheus's /metrics on the main port; absent when metrics are off or have a listener of their own. */
  readonly metrics?: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
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
    // Fastify closes only once the drain has ended every connection; a request that came on a
    // busy keep-alive connection during the drain was served, with `connection: close`, not refused.
    return503OnClosing: false,
    serverFactory: (fastifyHandler) => createDispatchingServer(config.http, parts, fastifyHandler, parts.drain),
  });
  app.setValidatorCompiler(validatorCompiler);
  useCheckedJsonParser(app);
  app.setErrorHandler(fastifyErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
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
    // A load balancer that still holds this connection sends no new work here.
    if (parts.drain.draining) return reply.code(503).send({ status: 'draining' });
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
