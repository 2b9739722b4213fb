import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import type { AdminChangeInput } from '../../audit/index.js';
import { type Deployment, engineKinds } from '../../catalog/index.js';
import { patternString } from '../../config/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, notFound, requireOperator } from './admin-principal.js';
import { deleted, PageQuery, RecordId } from './common-schemas.js';
import { checkEngineFields, checkSourceFile, EngineOptions, ModelSource } from './deployment-engine-fields.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { DeploymentSchema } from './catalog-schemas.js';

const BaseUrl = patternString('^https?://[^\\s]+$', 'an http:// or https:// URL without spaces', {
  maxLength: 2048,
  description: 'e.g. http://10.0.0.5:8000/v1',
});
const deploymentFields = {
  baseUrl: Type.Optional(BaseUrl),
  source: Type.Optional(ModelSource),
  engineOptions: Type.Optional(Type.Union([EngineOptions, Type.Null()])),
  upstreamModel: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()])),
  upstreamApiKey: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 4096, writeOnly: true }), Type.Null()]),
  ),
  weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  enabled: Type.Optional(Type.Boolean()),
};
const DeploymentCreate = Type.Object(
  {
    id: RecordId,
    modelId: Type.String({ minLength: 1, maxLength: 128 }),
    siteId: Type.String({ minLength: 1, maxLength: 64 }),
    kind: Type.Union(engineKinds.map((k) => Type.Literal(k))),
    ...deploymentFields,
  },
  { additionalProperties: false },
);
const DeploymentPatch = Type.Object(deploymentFields, { additionalProperties: false, minProperties: 1 });
const DeploymentListQuery = Type.Object(
  { ...PageQuery.properties, modelId: Type.Optional(Type.String()), siteId: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const DeploymentParams = Type.Object({ deploymentId: Type.String() });

function checkBaseUrl(baseUrl: string | undefined): void {
  if (baseUrl === undefined) return;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new CommonwealError('invalid_request', `baseUrl "${baseUrl}" is not a valid URL`, { param: 'baseUrl' });
  }
  // A URL is stored and shown as it is, so credentials in it would be neither sealed nor hidden.
  if (url.username !== '' || url.password !== '') {
    const message =
      "baseUrl must not contain credentials (user:password@); give the server's key as upstreamApiKey " +
      '(--upstream-api-key in the CLI), which is stored encrypted and never returned';
    throw new CommonwealError('invalid_request', message, { param: 'baseUrl' });
  }
}

/** A deployment change as a leaf of the transparency log; deployments belong to no organization. */
function change(
  actor: AdminPrincipal,
  action: string,
  resourceId: string,
  before: Deployment | null,
  after: Deployment | null,
): AdminChangeInput {
  return { actor, action, resource: 'deployment', resourceId, organizationId: null, before, after };
}

/** Deployments expose internal addresses, so only the operator may see or change them. */
export function deploymentRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof DeploymentListQuery> }>(
    '/deployments',
    {
      schema: {
        tags: ['deployments'],
        querystring: DeploymentListQuery,
        response: responses({ 200: PageOf(DeploymentSchema) }),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const { modelId, siteId, ...page } = request.query;
      return deps.deployments.list(page, { modelId, siteId });
    },
  );

  app.post<{ Body: Static<typeof DeploymentCreate> }>(
    '/deployments',
    {
      schema: {
        tags: ['deployments'],
        body: DeploymentCreate,
        response: responses({ 201: DeploymentSchema }, 404, 409, 413),
      },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      checkEngineFields(request.body.kind, request.body, true);
      checkBaseUrl(request.body.baseUrl);
      await checkSourceFile(request.body.source);
      const deployment = await deps.audit.commit(async (tx) => {
        const created = await deps.deployments.create(tx, request.body);
        return { result: created, change: change(request.principal, 'create', created.id, null, created) };
      });
      await deps.onCatalogChange();
      return reply.code(201).send(deployment);
    },
  );

  app.get<{ Params: Static<typeof DeploymentParams> }>(
    '/deployments/:deploymentId',
    {
      schema: { tags: ['deployments'], params: DeploymentParams, response: responses({ 200: DeploymentSchema }, 404) },
    },
    async (request) => {
      requireOperator(request.principal);
      const deployment = await deps.deployments.find(request.params.deploymentId);
      if (!deployment) throw notFound('deployment', request.params.deploymentId);
      return deployment;
    },
  );

  app.patch<{ Params: Static<typeof DeploymentParams>; Body: Static<typeof DeploymentPatch> }>(
    '/deployments/:deploymentId',
    {
      schema: {
        tags: ['deployments'],
        params: DeploymentParams,
        body: DeploymentPatch,
        response: responses({ 200: DeploymentSchema }, 404, 413),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      checkBaseUrl(request.body.baseUrl);
      const { deploymentId } = request.params;
      // A deployment's kind never changes, so the fields it allows can be checked before the transaction.
      const current = await deps.deployments.find(deploymentId);
      if (!current) throw notFound('deployment', deploymentId);
      checkEngineFields(current.kind, request.body, false);
      await checkSourceFile(request.body.source);
      const deployment = await deps.audit.commit(async (tx) => {
        const updated = await deps.deployments.update(tx, deploymentId, request.body);
        if (!updated) throw notFound('deployment', deploymentId);
        const leaf = change(request.principal, 'update', deploymentId, updated.before, updated.after);
        return { result: updated.after, change: leaf };
      });
      await deps.onCatalogChange();
      return deployment;
    },
  );

  app.delete<{ Params: Static<typeof DeploymentParams> }>(
    '/deployments/:deploymentId',
    { schema: { tags: ['deployments'], params: DeploymentParams, response: responses({ 200: DeletedSchema }, 404) } },
    async (request) => {
      requireOperator(request.principal);
      const { deploymentId } = request.params;
      await deps.audit.commit(async (tx) => {
        const before = await deps.deployments.delete(tx, deploymentId);
        if (!before) throw notFound('deployment', deploymentId);
        return { result: undefined, change: change(request.principal, 'delete', deploymentId, before, null) };
      });
      await deps.onCatalogChange();
      return deleted('deployment', deploymentId);
    },
  );
}
