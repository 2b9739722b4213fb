import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminChangeInput } from '../../audit/index.js';
import type { Organization } from '../../tenancy/index.js';
import { actorOf } from './admin-actor.js';
import type { AdminDeps } from './admin-deps.js';
import {
  type AdminPrincipal,
  organizationNotFound,
  requireOperator,
  requireOrganizationAccess,
} from './admin-principal.js';
import { CountryCode, deleted, Name, PageQuery, RecordId } from './common-schemas.js';
import { assertCountryCode } from './country-code.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { OrganizationSchema } from './tenancy-schemas.js';

const OrgCreate = Type.Object(
  { id: Type.Optional(RecordId), name: Name, homeJurisdiction: CountryCode },
  { additionalProperties: false },
);
const OrgPatch = Type.Object(
  { name: Type.Optional(Name), homeJurisdiction: Type.Optional(CountryCode) },
  { additionalProperties: false, minProperties: 1 },
);
const OrgParams = Type.Object({ orgId: Type.String() });

/** An organization change as a leaf of the transparency log, under the organization itself. */
function change(
  actor: AdminPrincipal,
  action: string,
  id: string,
  before: Organization | null,
  after: Organization | null,
): AdminChangeInput {
  return { actor, action, resource: 'organization', resourceId: id, organizationId: id, before, after };
}

export function organizationRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/orgs',
    {
      schema: {
        tags: ['organizations'],
        querystring: PageQuery,
        response: responses({ 200: PageOf(OrganizationSchema) }),
      },
    },
    async (request) => {
      const principal = request.principal;
      return deps.organizations.list(
        request.query,
        principal.kind === 'org_admin' ? principal.organizationId : undefined,
      );
    },
  );

  app.post<{ Body: Static<typeof OrgCreate> }>(
    '/orgs',
    {
      schema: { tags: ['organizations'], body: OrgCreate, response: responses({ 201: OrganizationSchema }, 409, 413) },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      assertCountryCode(request.body.homeJurisdiction, 'homeJurisdiction');
      const organization = await deps.audit.commit(async (tx) => {
        const created = await deps.organizations.create(tx, request.body);
        // Its residency starts as the server's default (policy.defaultResidency), recorded as a policy version.
        await deps.policy.initializeOrganization(tx, created, actorOf(request.principal));
        return { result: created, change: change(request.principal, 'create', created.id, null, created) };
      });
      await deps.policy.reload();
      return reply.code(201).send(organization);
    },
  );

  app.get<{ Params: Static<typeof OrgParams> }>(
    '/orgs/:orgId',
    { schema: { tags: ['organizations'], params: OrgParams, response: responses({ 200: OrganizationSchema }, 404) } },
    async (request) => {
      requireOrganizationAccess(request.principal, request.params.orgId);
      const organization = await deps.organizations.find(request.params.orgId);
      if (!organization) throw organizationNotFound(request.params.orgId);
      return organization;
    },
  );

  // The home jurisdiction feeds residency policy, so only the operator may change an organization.
  app.patch<{ Params: Static<typeof OrgParams>; Body: Static<typeof OrgPatch> }>(
    '/orgs/:orgId',
    {
      schema: {
        tags: ['organizations'],
        params: OrgParams,
        body: OrgPatch,
        response: responses({ 200: OrganizationSchema }, 404, 413),
      },
    },
    async (request) => {
      requireOrganizationAccess(request.principal, request.params.orgId);
      requireOperator(request.principal);
      assertCountryCode(request.body.homeJurisdiction, 'homeJurisdiction');
      const { orgId } = request.params;
      const organization = await deps.audit.commit(async (tx) => {
        const updated = await deps.organizations.update(tx, orgId, request.body);
        if (!updated) throw organizationNotFound(orgId);
        const leaf = change(request.principal, 'update', orgId, updated.before, updated.after);
        return { result: updated.after, change: leaf };
      });
      // Rules match on the home jurisdiction: decisions must follow it.
      await deps.policy.reload();
      return organization;
    },
  );

  app.delete<{ Params: Static<typeof OrgParams> }>(
    '/orgs/:orgId',
    { schema: { tags: ['organizations'], params: OrgParams, response: responses({ 200: DeletedSchema }, 404, 409) } },
    async (request) => {
      requireOrganizationAccess(request.principal, request.params.orgId);
      requireOperator(request.principal);
      const { orgId } = request.params;
      await deps.audit.commit(async (tx) => {
        const before = await deps.organizations.delete(tx, orgId);
        if (!before) throw organizationNotFound(orgId);
        return { result: undefined, change: change(request.principal, 'delete', orgId, before, null) };
      });
      await deps.policy.reload();
      return deleted('organization', orgId);
    },
  );
}
