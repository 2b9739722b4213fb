import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { savePolicyChange } from './save-policy-change.js';
import type { AdminDeps } from './admin-deps.js';
import { notFound, requireOperator } from './admin-principal.js';
import { deleted, PageQuery } from './common-schemas.js';
import { inMemoryPage } from './in-memory-page.js';
import { GroupCreate, GroupPatch } from './policy-schemas.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { JurisdictionGroupSchema } from './policy-view-schemas.js';

const GroupParams = Type.Object({ groupId: Type.String() });

/**
 * Jurisdiction groups: the built-in ones from the reviewed data file (read-only) and the
 * operator's own, which may contain countries and other groups. Org admins may read
 * them all, since their policies are written in these terms.
 */
export function jurisdictionGroupRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/jurisdiction-groups',
    {
      schema: {
        tags: ['policy'],
        querystring: PageQuery,
        response: responses({ 200: PageOf(JurisdictionGroupSchema) }),
      },
    },
    async (request) => inMemoryPage(deps.policy.groups(), request.query),
  );

  app.post<{ Body: Static<typeof GroupCreate> }>(
    '/jurisdiction-groups',
    {
      schema: { tags: ['policy'], body: GroupCreate, response: responses({ 201: JurisdictionGroupSchema }, 409, 413) },
    },
    async (request, reply) => {
      requireOperator(request.principal);
      const { id } = request.body;
      const existing = deps.policy.group(id);
      if (existing !== undefined && !existing.builtIn) {
        throw new CommonwealError('already_exists', `a jurisdiction group with id "${id}" already exists`, {
          param: 'id',
        });
      }
      await savePolicyChange(deps, request.principal, { kind: 'jurisdiction_group', group: request.body });
      return reply.code(201).send(deps.policy.group(id));
    },
  );

  app.get<{ Params: Static<typeof GroupParams> }>(
    '/jurisdiction-groups/:groupId',
    { schema: { tags: ['policy'], params: GroupParams, response: responses({ 200: JurisdictionGroupSchema }, 404) } },
    async (request) => {
      const group = deps.policy.group(request.params.groupId);
      if (group === undefined) throw notFound('jurisdiction group', request.params.groupId);
      return group;
    },
  );

  app.patch<{ Params: Static<typeof GroupParams>; Body: Static<typeof GroupPatch> }>(
    '/jurisdiction-groups/:groupId',
    {
      schema: {
        tags: ['policy'],
        params: GroupParams,
        body: GroupPatch,
        response: responses({ 200: JurisdictionGroupSchema }, 404, 409, 413),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const old = deps.policy.group(request.params.groupId);
      if (old === undefined) throw notFound('jurisdiction group', request.params.groupId);
      const group = { id: old.id, name: request.body.name ?? old.name, members: request.body.members ?? old.members };
      await savePolicyChange(deps, request.principal, { kind: 'jurisdiction_group', group });
      return deps.policy.group(old.id);
    },
  );

  app.delete<{ Params: Static<typeof GroupParams> }>(
    '/jurisdiction-groups/:groupId',
    { schema: { tags: ['policy'], params: GroupParams, response: responses({ 200: DeletedSchema }, 404, 409) } },
    async (request) => {
      requireOperator(request.principal);
      await savePolicyChange(deps, request.principal, {
        kind: 'jurisdiction_group_removal',
        groupId: request.params.groupId,
      });
      return deleted('jurisdiction_group', request.params.groupId);
    },
  );
}
