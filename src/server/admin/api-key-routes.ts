import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminChangeInput } from '../../audit/index.js';
import type { ApiKey } from '../../tenancy/index.js';
import { CommonwealError } from '../../errors/index.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, notFound } from './admin-principal.js';
import { Name, PageQuery, Timestamp } from './common-schemas.js';
import { enterOrganization } from './organization-scope.js';
import { PageOf, responses } from './response-schemas.js';
import { ApiKeySchema, CreatedApiKeySchema } from './tenancy-schemas.js';

const KeyCreate = Type.Object(
  {
    role: Type.Union([Type.Literal('project'), Type.Literal('org_admin')], { default: 'project' }),
    projectId: Type.Optional(Type.String({ minLength: 1 })),
    name: Type.Optional(Name),
    expiresAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
const KeyListQuery = Type.Object(
  { ...PageQuery.properties, projectId: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const OrgParams = Type.Object({ orgId: Type.String() });
const KeyParams = Type.Object({ orgId: Type.String(), keyId: Type.String() });

type KeyCreateBody = Static<typeof KeyCreate>;

async function checkKeyTarget(deps: AdminDeps, organizationId: string, body: KeyCreateBody): Promise<void> {
  if (body.role === 'org_admin' && body.projectId !== undefined) {
    throw new CommonwealError(
      'invalid_request',
      'an org_admin key belongs to the organization, not to a project: omit projectId',
      { param: 'projectId' },
    );
  }
  if (body.role === 'project') {
    if (body.projectId === undefined)
      throw new CommonwealError('invalid_request', 'a project key needs a projectId', { param: 'projectId' });
    if (!(await deps.projects.find(organizationId, body.projectId))) {
      throw new CommonwealError('invalid_request', `project "${body.projectId}" not found in this organization`, {
        param: 'projectId',
      });
    }
  }
  if (body.expiresAt !== undefined && !(Date.parse(body.expiresAt) > Date.now())) {
    throw new CommonwealError('invalid_request', 'expiresAt must be a valid time in the future', {
      param: 'expiresAt',
    });
  }
}

/** A key change as a leaf of the transparency log, under the key's organization. */
function change(
  actor: AdminPrincipal,
  action: string,
  key: ApiKey,
  before: ApiKey | null,
  after: ApiKey,
): AdminChangeInput {
  return { actor, action, resource: 'api_key', resourceId: key.id, organizationId: key.organizationId, before, after };
}

/**
 * Keys are created inside an organization. An organization admin may create keys of
 * its own role or below in its own organization only, so no key grants more than it has.
 */
export function apiKeyRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Params: Static<typeof OrgParams>; Querystring: Static<typeof KeyListQuery> }>(
    '/orgs/:orgId/keys',
    {
      schema: {
        tags: ['keys'],
        params: OrgParams,
        querystring: KeyListQuery,
        response: responses({ 200: PageOf(ApiKeySchema) }, 404),
      },
    },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const { projectId, ...page } = request.query;
      return deps.apiKeys.list(request.params.orgId, page, projectId);
    },
  );

  app.post<{ Params: Static<typeof OrgParams>; Body: KeyCreateBody }>(
    '/orgs/:orgId/keys',
    {
      schema: {
        tags: ['keys'],
        params: OrgParams,
        body: KeyCreate,
        response: responses({ 201: CreatedApiKeySchema }, 404, 413),
      },
    },
    async (request, reply) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      await checkKeyTarget(deps, request.params.orgId, request.body);
      const input = {
        role: request.body.role,
        projectId: request.body.projectId ?? null,
        name: request.body.name,
        expiresAt: request.body.expiresAt === undefined ? undefined : new Date(request.body.expiresAt).toISOString(),
      };
      const key = await deps.audit.commit(async (tx) => {
        const created = await deps.apiKeys.create(tx, request.params.orgId, input);
        // The secret is shown once to its creator and never enters the log, not even hashed.
        const { secret: _secret, ...visible } = created;
        return { result: created, change: change(request.principal, 'create', created, null, visible) };
      });
      await deps.onCatalogChange();
      return reply.code(201).send(key);
    },
  );

  app.get<{ Params: Static<typeof KeyParams> }>(
    '/orgs/:orgId/keys/:keyId',
    { schema: { tags: ['keys'], params: KeyParams, response: responses({ 200: ApiKeySchema }, 404) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const key = await deps.apiKeys.find(request.params.orgId, request.params.keyId);
      if (!key) throw notFound('key', request.params.keyId);
      return key;
    },
  );

  // Deleting a key revokes it: the record stays so that usage remains attributable.
  app.delete<{ Params: Static<typeof KeyParams> }>(
    '/orgs/:orgId/keys/:keyId',
    { schema: { tags: ['keys'], params: KeyParams, response: responses({ 200: ApiKeySchema }, 404) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const { orgId, keyId } = request.params;
      const key = await deps.audit.commit(async (tx) => {
        const revoked = await deps.apiKeys.revoke(tx, orgId, keyId);
        if (!revoked) throw notFound('key', keyId);
        const leaf = change(request.principal, 'revoke', revoked.after, revoked.before, revoked.after);
        return { result: revoked.after, change: leaf };
      });
      await deps.onCatalogChange();
      return key;
    },
  );
}
