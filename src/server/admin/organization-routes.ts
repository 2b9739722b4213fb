import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './admin-deps.js';
import { organizationNotFound, requireOperator, requireOrganizationAccess } from './admin-principal.js';
import { CountryCode, deleted, Name, PageQuery, RecordId } from './common-schemas.js';
import { assertCountryCode } from './country-code.js';

const OrgCreate = Type.Object(
  { id: Type.Optional(RecordId), name: Name, homeJurisdiction: CountryCode },
  { additionalProperties: false },
);
const OrgPatch = Type.Object({ name: Type.Optional(Name), homeJurisdiction: Type.Optional(CountryCode) }, { additionalProperties: false, minProperties: 1 });
const OrgParams = Type.Object({ orgId: Type.String() });

export function organizationRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof PageQuery> }>('/orgs', { schema: { tags: ['organizations'], querystring: PageQuery } }, async (request) => {
    const principal = request.principal;
    return deps.organizations.list(request.query, principal.kind === 'org_admin' ? principal.organizationId : undefined);
  });

  app.post<{ Body: Static<typeof OrgCreate> }>('/orgs', { schema: { tags: ['organizations'], body: OrgCreate } }, async (request, reply) => {
    requireOperator(request.principal);
    assertCountryCode(request.body.homeJurisdiction, 'homeJurisdiction');
    const organization = await deps.organizations.create(request.body);
    return reply.code(201).send(organization);
  });

  app.get<{ Params: Static<typeof OrgParams> }>('/orgs/:orgId', { schema: { tags: ['organizations'], params: OrgParams } }, async (request) => {
    requireOrganizationAccess(request.principal, request.params.orgId);
    const organization = await deps.organizations.find(request.params.orgId);
    if (!organization) throw organizationNotFound(request.params.orgId);
    return organization;
  });

  // The home jurisdiction feeds residency policy, so only the operator may change an organization.
  app.patch<{ Params: Static<typeof OrgParams>; Body: Static<typeof OrgPatch> }>(
    '/orgs/:orgId',
    { schema: { tags: ['organizations'], params: OrgParams, body: OrgPatch } },
    async (request) => {
      requireOrganizationAccess(request.principal, request.params.orgId);
      requireOperator(request.principal);
      assertCountryCode(request.body.homeJurisdiction, 'homeJurisdiction');
      const organization = await deps.organizations.update(request.params.orgId, request.body);
      if (!organization) throw organizationNotFound(request.params.orgId);
      return organization;
    },
  );

  app.delete<{ Params: Static<typeof OrgParams> }>('/orgs/:orgId', { schema: { tags: ['organizations'], params: OrgParams } }, async (request) => {
    requireOrganizationAccess(request.principal, request.params.orgId);
    requireOperator(request.principal);
    if (!(await deps.organizations.delete(request.params.orgId))) throw organizationNotFound(request.params.orgId);
    return deleted('organization', request.params.orgId);
  });
}
