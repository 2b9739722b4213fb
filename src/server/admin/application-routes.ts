import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './admin-deps.js';
import { billingChange } from './billing-admin.js';
import { LongText } from './billing-schemas.js';
import { enterOrganization } from './organization-scope.js';
import { ListOf, responses } from './response-schemas.js';
import { ApplicationSchema } from './fund-schemas.js';

const OrgParams = Type.Object({ orgId: Type.String() });
const ApplyBody = Type.Object(
  { programId: Type.String({ minLength: 1, maxLength: 64 }), description: LongText },
  { additionalProperties: false },
);

/** An organization's applications to fund programs: its admins apply and follow them. */
export function applicationRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { fund } = deps.billing;
  const tags = ['fund'];

  app.get<{ Params: Static<typeof OrgParams> }>(
    '/orgs/:orgId/applications',
    { schema: { tags, params: OrgParams, response: responses({ 200: ListOf(ApplicationSchema) }, 404) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      return { object: 'list', data: await fund.listApplications({ organizationId: request.params.orgId }) };
    },
  );

  app.post<{ Params: Static<typeof OrgParams>; Body: Static<typeof ApplyBody> }>(
    '/orgs/:orgId/applications',
    {
      schema: {
        tags,
        params: OrgParams,
        body: ApplyBody,
        response: responses({ 201: ApplicationSchema }, 404, 409, 413),
      },
    },
    async (request, reply) => {
      const { orgId } = request.params;
      await enterOrganization(deps, request.principal, orgId);
      const application = await deps.audit.commit(async (tx) => {
        const created = await fund.apply(tx, orgId, request.body.programId, request.body.description);
        const change = billingChange(request.principal, {
          action: 'create',
          resource: 'application',
          resourceId: created.id,
          organizationId: created.organizationId,
          after: created,
        });
        return { result: created, change };
      });
      return reply.code(201).send(application);
    },
  );
}
