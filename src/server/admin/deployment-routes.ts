import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { engineKinds } from '../../catalog/index.js';
import type { AdminDeps } from './admin-deps.js';
import { notFound, requireOperator } from './admin-principal.js';
import { deleted, PageQuery, RecordId } from './common-schemas.js';

const BaseUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'e.g. http://10.0.0.5:8000/v1' });
const deploymentFields = {
  baseUrl: Type.Optional(BaseUrl),
  upstreamModel: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()])),
  upstreamApiKey: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 4096, writeOnly: true }), Type.Null()])),
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
  try {
    new URL(baseUrl);
  } catch {
    throw new CommonwealError('invalid_request', `baseUrl "${baseUrl}" is not a valid URL`, { param: 'baseUrl' });
  }
}

/** Deployments expose internal addresses, so only the operator may see or change them. */
export function deploymentRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof DeploymentListQuery> }>(
    '/deployments',
    { schema: { tags: ['deployments'], querystring: DeploymentListQuery } },
    async (request) => {
      requireOperator(request.principal);
      const { modelId, siteId, ...page } = request.query;
      return deps.deployments.list(page, { modelId, siteId });
    },
  );

  app.post<{ Body: Static<typeof DeploymentCreate> }>(
    '/deployments',
    { schema: { tags: ['deployments'], body: DeploymentCreate } },
    async (request, reply) => {
      requireOperator(request.principal);
      if (request.body.kind === 'openai' && request.body.baseUrl === undefined) {
        throw new CommonwealError('invalid_request', 'a deployment of kind "openai" needs a baseUrl', { param: 'baseUrl' });
      }
      checkBaseUrl(request.body.baseUrl);
      const deployment = await deps.deployments.create(request.body);
      await deps.onCatalogChange();
      return reply.code(201).send(deployment);
    },
  );

  app.get<{ Params: Static<typeof DeploymentParams> }>(
    '/deployments/:deploymentId',
    { schema: { tags: ['deployments'], params: DeploymentParams } },
    async (request) => {
      requireOperator(request.principal);
      const deployment = await deps.deployments.find(request.params.deploymentId);
      if (!deployment) throw notFound('deployment', request.params.deploymentId);
      return deployment;
    },
  );

  app.patch<{ Params: Static<typeof DeploymentParams>; Body: Static<typeof DeploymentPatch> }>(
    '/deployments/:deploymentId',
    { schema: { tags: ['deployments'], params: DeploymentParams, body: DeploymentPatch } },
    async (request) => {
      requireOperator(request.principal);
      checkBaseUrl(request.body.baseUrl);
      const deployment = await deps.deployments.update(request.params.deploymentId, request.body);
      if (!deployment) throw notFound('deployment', request.params.deploymentId);
      await deps.onCatalogChange();
      return deployment;
    },
  );

  app.delete<{ Params: Static<typeof DeploymentParams> }>(
    '/deployments/:deploymentId',
    { schema: { tags: ['deployments'], params: DeploymentParams } },
    async (request) => {
      requireOperator(request.principal);
      if (!(await deps.deployments.delete(request.params.deploymentId))) throw notFound('deployment', request.params.deploymentId);
      await deps.onCatalogChange();
      return deleted('deployment', request.params.deploymentId);
    },
  );
}
