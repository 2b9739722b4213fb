import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminChangeInput } from '../../audit/index.js';
import type { Model } from '../../catalog/index.js';
import { patternString } from '../../config/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, notFound, requireOperator } from './admin-principal.js';
import { deleted, PageQuery } from './common-schemas.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { ModelSchema } from './catalog-schemas.js';

const NullableText = (maxLength: number) => Type.Union([Type.String({ minLength: 1, maxLength }), Type.Null()]);
const NullableCount = Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]);
const PriceMicro = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'micro-credits per million tokens',
});
const Tag = patternString(
  '^[a-z0-9][a-z0-9._:-]{0,63}$',
  'a tag of 1 to 64 lower-case letters, digits, ".", "_", ":" or "-" that starts with a letter or digit',
);

const modelFields = {
  family: Type.Optional(NullableText(128)),
  origin: Type.Optional(NullableText(200)),
  license: Type.Optional(NullableText(128)),
  parameterCount: Type.Optional(NullableCount),
  contextLength: Type.Optional(NullableCount),
  tags: Type.Optional(Type.Array(Tag, { maxItems: 64, uniqueItems: true })),
};
/** The public model name clients send; slashes are allowed for names like `meta-llama/Llama-3.1-8B`. */
const ModelId = patternString(
  '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$',
  'a model id of 1 to 128 letters, digits, ".", "_", ":", "/" or "-" that starts with a letter or digit',
);
const ModelCreate = Type.Object(
  { id: ModelId, ...modelFields, inputPriceMicroPerMtok: PriceMicro, outputPriceMicroPerMtok: PriceMicro },
  { additionalProperties: false },
);
const ModelPatch = Type.Object(
  {
    ...modelFields,
    inputPriceMicroPerMtok: Type.Optional(PriceMicro),
    outputPriceMicroPerMtok: Type.Optional(PriceMicro),
  },
  { additionalProperties: false, minProperties: 1 },
);
const ModelParams = Type.Object({ modelId: Type.String() });

/** A model change as a leaf of the transparency log; the catalog belongs to no organization. */
function change(
  actor: AdminPrincipal,
  action: string,
  resourceId: string,
  before: Model | null,
  after: Model | null,
): AdminChangeInput {
  return { actor, action, resource: 'model', resourceId, organizationId: null, before, after };
}

/** The catalog is readable by organization admins (it is what they may use) and written by the operator. */
export function modelRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/models',
    { schema: { tags: ['models'], querystring: PageQuery, response: responses({ 200: PageOf(ModelSchema) }) } },
    async (request) => deps.models.list(request.query),
  );

  app.post<{ Body: Static<typeof ModelCreate> }>(
    '/models',
    { schema: { tags: ['models'], body: ModelCreate, response: responses({ 201: ModelSchema }, 409, 413) } },
    async (request, reply) => {
      requireOperator(request.principal);
      const model = await deps.audit.commit(async (tx) => {
        const created = await deps.models.create(tx, request.body);
        return { result: created, change: change(request.principal, 'create', created.id, null, created) };
      });
      await deps.onCatalogChange();
      return reply.code(201).send(model);
    },
  );

  app.get<{ Params: Static<typeof ModelParams> }>(
    '/models/:modelId',
    { schema: { tags: ['models'], params: ModelParams, response: responses({ 200: ModelSchema }, 404) } },
    async (request) => {
      const model = await deps.models.find(request.params.modelId);
      if (!model) throw notFound('model', request.params.modelId);
      return model;
    },
  );

  app.patch<{ Params: Static<typeof ModelParams>; Body: Static<typeof ModelPatch> }>(
    '/models/:modelId',
    {
      schema: {
        tags: ['models'],
        params: ModelParams,
        body: ModelPatch,
        response: responses({ 200: ModelSchema }, 404, 413),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const model = await deps.audit.commit(async (tx) => {
        const updated = await deps.models.update(tx, request.params.modelId, request.body);
        if (!updated) throw notFound('model', request.params.modelId);
        const leaf = change(request.principal, 'update', updated.after.id, updated.before, updated.after);
        return { result: updated.after, change: leaf };
      });
      await deps.onCatalogChange();
      return model;
    },
  );

  app.delete<{ Params: Static<typeof ModelParams> }>(
    '/models/:modelId',
    { schema: { tags: ['models'], params: ModelParams, response: responses({ 200: DeletedSchema }, 404, 409) } },
    async (request) => {
      requireOperator(request.principal);
      const { modelId } = request.params;
      await deps.audit.commit(async (tx) => {
        const before = await deps.models.delete(tx, modelId);
        if (!before) throw notFound('model', modelId);
        return { result: undefined, change: change(request.principal, 'delete', modelId, before, null) };
      });
      await deps.onCatalogChange();
      return deleted('model', modelId);
    },
  );
}
