import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { toResidencyPolicy } from '../../policy/index.js';
import { savePolicyChange } from './save-policy-change.js';
import type { AdminDeps } from './admin-deps.js';
import { type AdminPrincipal, notFound, requireOperator, requireOrganizationAccess } from './admin-principal.js';
import { deleted, PageQuery } from './common-schemas.js';
import { enterOrganization } from './organization-scope.js';
import { ResidencyPolicyBody } from './policy-schemas.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { PolicyChangeSchema, ResidencyPolicySchema } from './policy-view-schemas.js';

const OrgParams = Type.Object({ orgId: Type.String() });
const ProjectParams = Type.Object({ orgId: Type.String(), projectId: Type.String() });
const ChangesQuery = Type.Object(
  { ...PageQuery.properties, organizationId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);

async function enterProject(
  deps: AdminDeps,
  principal: AdminPrincipal,
  organizationId: string,
  projectId: string,
): Promise<void> {
  await enterOrganization(deps, principal, organizationId);
  if (!(await deps.projects.find(organizationId, projectId))) throw notFound('project', projectId);
}

function noOwnPolicy(projectId: string): CommonwealError {
  return new CommonwealError(
    'not_found',
    `project "${projectId}" has no residency policy of its own; its organization's applies`,
  );
}

/**
 * Residency policies. The organization's policy is the operator's to set (it is the
 * residency agreement with the tenant); its org admins may read it. A project's own
 * policy is the org admin's to set: it is evaluated on top of the organization's, so it
 * can only narrow it, never widen it.
 */
export function policyRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Params: Static<typeof OrgParams> }>(
    '/orgs/:orgId/policy',
    { schema: { tags: ['policy'], params: OrgParams, response: responses({ 200: ResidencyPolicySchema }, 404) } },
    async (request) => {
      return deps.policy.organizationPolicy(await enterOrganization(deps, request.principal, request.params.orgId));
    },
  );

  app.put<{ Params: Static<typeof OrgParams>; Body: Static<typeof ResidencyPolicyBody> }>(
    '/orgs/:orgId/policy',
    {
      schema: {
        tags: ['policy'],
        params: OrgParams,
        body: ResidencyPolicyBody,
        response: responses({ 200: ResidencyPolicySchema }, 404, 413),
      },
    },
    async (request) => {
      // Access first, so that an org admin of another organization learns nothing, not even that this is the operator's.
      requireOrganizationAccess(request.principal, request.params.orgId);
      requireOperator(request.principal);
      const organization = await enterOrganization(deps, request.principal, request.params.orgId);
      const policy = toResidencyPolicy(request.body);
      await savePolicyChange(deps, request.principal, {
        kind: 'organization_policy',
        organizationId: organization.id,
        policy,
      });
      return deps.policy.organizationPolicy(organization);
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/orgs/:orgId/projects/:projectId/policy',
    { schema: { tags: ['policy'], params: ProjectParams, response: responses({ 200: ResidencyPolicySchema }, 404) } },
    async (request) => {
      const { orgId, projectId } = request.params;
      await enterProject(deps, request.principal, orgId, projectId);
      const view = deps.policy.projectPolicy(orgId, projectId);
      if (view === undefined) throw noOwnPolicy(projectId);
      return view;
    },
  );

  app.put<{ Params: Static<typeof ProjectParams>; Body: Static<typeof ResidencyPolicyBody> }>(
    '/orgs/:orgId/projects/:projectId/policy',
    {
      schema: {
        tags: ['policy'],
        params: ProjectParams,
        body: ResidencyPolicyBody,
        response: responses({ 200: ResidencyPolicySchema }, 404, 413),
      },
    },
    async (request) => {
      const { orgId, projectId } = request.params;
      await enterProject(deps, request.principal, orgId, projectId);
      const policy = toResidencyPolicy(request.body);
      await savePolicyChange(deps, request.principal, {
        kind: 'project_policy',
        organizationId: orgId,
        projectId,
        policy,
      });
      return deps.policy.projectPolicy(orgId, projectId);
    },
  );

  app.delete<{ Params: Static<typeof ProjectParams> }>(
    '/orgs/:orgId/projects/:projectId/policy',
    { schema: { tags: ['policy'], params: ProjectParams, response: responses({ 200: DeletedSchema }, 404) } },
    async (request) => {
      const { orgId, projectId } = request.params;
      await enterProject(deps, request.principal, orgId, projectId);
      if (deps.policy.projectPolicy(orgId, projectId) === undefined) throw noOwnPolicy(projectId);
      await savePolicyChange(deps, request.principal, {
        kind: 'project_policy',
        organizationId: orgId,
        projectId,
        policy: null,
      });
      return deleted('residency_policy', projectId);
    },
  );

  // An org admin reads the history of its own organization's and projects' policies;
  // changes to rules and groups are the operator's.
  app.get<{ Querystring: Static<typeof ChangesQuery> }>(
    '/policy/changes',
    {
      schema: {
        tags: ['policy'],
        querystring: ChangesQuery,
        response: responses({ 200: PageOf(PolicyChangeSchema) }, 404),
      },
    },
    async (request) => {
      const { organizationId, ...page } = request.query;
      const principal = request.principal;
      if (organizationId !== undefined) requireOrganizationAccess(principal, organizationId, 'organizationId');
      const scoped = principal.kind === 'org_admin' ? principal.organizationId : organizationId;
      return deps.policy.changes({ organizationId: scoped }, page);
    },
  );
}
