import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { patternString } from '../../config/index.js';
import type { AdminDeps } from './admin-deps.js';
import { notFound, requireOperator } from './admin-principal.js';
import { ModelSource } from './deployment-engine-fields.js';
import { responses } from './response-schemas.js';
import { ModelPullSchema } from './catalog-schemas.js';

const PullCreate = Type.Object(
  {
    source: ModelSource,
    sha256: Type.Optional(
      patternString('^[0-9a-fA-F]{64}$', 'a SHA-256 digest: 64 hexadecimal digits', {
        description: 'the SHA-256 the file must have',
      }),
    ),
    hfEndpoint: Type.Optional(
      patternString('^https?://[^\\s]+$', 'an http:// or https:// URL without spaces', {
        maxLength: 2048,
        description: 'a Hugging Face mirror for hf: sources',
      }),
    ),
  },
  { additionalProperties: false },
);
const PullParams = Type.Object({ pullId: Type.String() });

/**
 * Model files are fetched by the server into its own data directory, so that a pull from
 * the CLI on another machine lands where the embedded engine looks. A pull runs in the
 * background: POST starts it (or answers the one already running into the same file) and
 * GET follows its progress. It changes no record, so it is no leaf of the transparency
 * log; registering the model it fetched is.
 */
export function modelPullRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.post<{ Body: Static<typeof PullCreate> }>(
    '/model-pulls',
    { schema: { tags: ['models'], body: PullCreate, response: responses({ 202: ModelPullSchema }, 413) } },
    async (request, reply) => {
      requireOperator(request.principal);
      return reply.code(202).send(deps.modelPulls.start(request.body));
    },
  );

  app.get<{ Params: Static<typeof PullParams> }>(
    '/model-pulls/:pullId',
    { schema: { tags: ['models'], params: PullParams, response: responses({ 200: ModelPullSchema }, 404) } },
    async (request) => {
      requireOperator(request.principal);
      const pull = deps.modelPulls.find(request.params.pullId);
      if (pull === undefined) throw notFound('model pull', request.params.pullId);
      return pull;
    },
  );
}
