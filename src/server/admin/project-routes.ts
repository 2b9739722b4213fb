import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminChangeInput } from '../../audit/index.js';
import type { Project } from '../../tenancy/index.js';
import type { AdminDeps } from './admin-deps.js';
import { savePolicyChange } from './save-policy-change.js';
import { type AdminPrincipal, notFound } from './admin-principal.js';
import { deleted, Name, PageQuery, RecordId } from './common-schemas.js';
import { enterOrganization } from './organization-scope.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { ProjectSchema } from './tenancy-schemas.js';

const ProjectCreate = Type.Object({ id: Type.Optional(RecordId), name: Name }, { additionalProperties: false });
const ProjectPatch = Type.Object({ name: Name }, { additionalProperties: false });
const OrgParams = Type.Object({ orgId: Type.String() });
const ProjectParams = Type.Object({ orgId: Type.String(), projectId: Type.String() });

/** A project change as a leaf of the transparency log, under the project's organization. */
function change(
  actor: AdminPrincipal,
  action: string,
  target: Pick<Project, 'organizationId' | 'id'>,
  before: Project | null,
  after: Project | null,
): AdminChangeInput {
  return {
    actor,
    action,
    resource: 'project',
    resourceId: target.id,
    organizationId: target.organizationId,
    before,
    after,
  };
}

export function projectRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Params: Static<typeof OrgParams>; Querystring: Static<typeof PageQuery> }>(
    '/orgs/:orgId/projects',
    {
      schema: {
        tags: ['projects'],
        params: OrgParams,
        querystring: PageQuery,
        response: responses({ 200: PageOf(ProjectSchema) }, 404),
      },
    },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      return deps.projects.list(request.params.orgId, request.query);
    },
  );

  app.post<{ Params: Static<typeof OrgParams>; Body: Static<typeof ProjectCreate> }>(
    '/orgs/:orgId/projects',
    {
      schema: {
        tags: ['projects'],
        params: OrgParams,
        body: ProjectCreate,
        response: responses({ 201: ProjectSchema }, 404, 409, 413),
      },
    },
    async (request, reply) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const project = await deps.audit.commit(async (tx) => {
        const created = await deps.projects.create(tx, request.params.orgId, request.body);
        return { result: created, change: change(request.principal, 'create', created, null, created) };
      });
      return reply.code(201).send(project);
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/orgs/:orgId/projects/:projectId',
    { schema: { tags: ['projects'], params: ProjectParams, response: responses({ 200: ProjectSchema }, 404) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const project = await deps.projects.find(request.params.orgId, request.params.projectId);
      if (!project) throw notFound('project', request.params.projectId);
      return project;
    },
  );

  app.patch<{ Params: Static<typeof ProjectParams>; Body: Static<typeof ProjectPatch> }>(
    '/orgs/:orgId/projects/:projectId',
    {
      schema: {
        tags: ['projects'],
        params: ProjectParams,
        body: ProjectPatch,
        response: responses({ 200: ProjectSchema }, 404, 413),
      },
    },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const { orgId, projectId } = request.params;
      const project = await deps.audit.commit(async (tx) => {
        const renamed = await deps.projects.rename(tx, orgId, projectId, request.body.name);
        if (!renamed) throw notFound('project', projectId);
        const leaf = change(request.principal, 'update', renamed.after, renamed.before, renamed.after);
        return { result: renamed.after, change: leaf };
      });
      return project;
    },
  );

  app.delete<{ Params: Static<typeof ProjectParams> }>(
    '/orgs/:orgId/projects/:projectId',
    { schema: { tags: ['projects'], params: ProjectParams, response: responses({ 200: DeletedSchema }, 404, 409) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      const { orgId, projectId } = request.params;
      await deps.audit.commit(async (tx) => {
        const before = await deps.projects.delete(tx, orgId, projectId);
        if (!before) throw notFound('project', projectId);
        return { result: undefined, change: change(request.principal, 'delete', before, before, null) };
      });
      // A project created later under the same id must not inherit this one's policy.
      if (deps.policy.projectPolicy(orgId, projectId) !== undefined) {
        await savePolicyChange(deps, request.principal, {
          kind: 'project_policy',
          organizationId: orgId,
          projectId,
          policy: null,
        });
      }
      await deps.onCatalogChange();
      return deleted('project', projectId);
    },
  );
}
