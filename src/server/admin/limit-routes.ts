import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { budgetPeriods, budgetScopes } from '../../ledger/index.js';
import { rateLimitScopes } from '../../limits/index.js';
import type { AdminDeps } from './admin-deps.js';
import { notFound, requireOperator } from './admin-principal.js';
import { AmountMicro } from './billing-schemas.js';
import { deleted, RecordId, Timestamp } from './common-schemas.js';
import { enterOrganization } from './organization-scope.js';
import { DeletedSchema, ListOf, responses } from './response-schemas.js';
import { BudgetSchema, RateLimitSchema } from './credit-schemas.js';

const OrgParams = Type.Object({ orgId: Type.String() });
const BudgetParams = Type.Object({ orgId: Type.String(), budgetId: Type.String() });
const BudgetBody = Type.Object(
  {
    scope: Type.Union(budgetScopes.map((s) => Type.Literal(s))),
    scopeId: Type.Optional(RecordId),
    period: Type.Union(budgetPeriods.map((p) => Type.Literal(p))),
    startsAt: Type.Optional(Timestamp),
    endsAt: Type.Optional(Timestamp),
    limitMicro: AmountMicro,
  },
  { additionalProperties: false },
);
const PerMinute = Type.Optional(
  Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), Type.Null()], {
    description: 'a number sets this limit, null removes it, and leaving it out keeps it as it is',
  }),
);
const RateLimitBody = Type.Object(
  {
    scope: Type.Union(rateLimitScopes.map((s) => Type.Literal(s))),
    scopeId: RecordId,
    requestsPerMinute: PerMinute,
    tokensPerMinute: PerMinute,
  },
  { additionalProperties: false },
);

/** A budget or rate limit on a project or key must name one of this organization's. */
async function checkScopeTarget(
  deps: AdminDeps,
  organizationId: string,
  scope: 'project' | 'key',
  scopeId: string | undefined,
): Promise<void> {
  if (scopeId !== undefined) {
    const target =
      scope === 'project'
        ? await deps.projects.find(organizationId, scopeId)
        : await deps.apiKeys.find(organizationId, scopeId);
    if (target !== undefined) return;
  }
  const what = scope === 'project' ? 'project' : 'API key';
  throw new CommonwealError('invalid_request', `${what} "${scopeId ?? ''}" does not exist in this organization`, {
    param: 'scopeId',
  });
}

/** What an organization may spend (budgets, which its admins set) and how fast (rate limits, which the operator sets). */
export function limitRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { budgets, rateLimits } = deps.billing;
  const tags = ['credits'];

  app.get<{ Params: Static<typeof OrgParams> }>(
    '/orgs/:orgId/budgets',
    { schema: { tags, params: OrgParams, response: responses({ 200: ListOf(BudgetSchema) }, 404) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      return { object: 'list', data: await budgets.list(request.params.orgId) };
    },
  );

  app.post<{ Params: Static<typeof OrgParams>; Body: Static<typeof BudgetBody> }>(
    '/orgs/:orgId/budgets',
    { schema: { tags, params: OrgParams, body: BudgetBody, response: responses({ 201: BudgetSchema }, 404, 413) } },
    async (request, reply) => {
      const { orgId } = request.params;
      await enterOrganization(deps, request.principal, orgId);
      const { scope, scopeId } = request.body;
      if (scope !== 'organization') await checkScopeTarget(deps, orgId, scope, scopeId);
      const budget = await deps.audit.commit(async (tx) => {
        const created = await budgets.create(tx, orgId, request.body);
        const subject = { resource: 'budget', resourceId: created.id, organizationId: orgId };
        const change = { actor: request.principal, action: 'create', ...subject };
        return { result: created, change: { ...change, before: null, after: created } };
      });
      return reply.code(201).send(budget);
    },
  );

  app.delete<{ Params: Static<typeof BudgetParams> }>(
    '/orgs/:orgId/budgets/:budgetId',
    { schema: { tags, params: BudgetParams, response: responses({ 200: DeletedSchema }, 404) } },
    async (request) => {
      const { orgId, budgetId } = request.params;
      await enterOrganization(deps, request.principal, orgId);
      await deps.audit.commit(async (tx) => {
        const before = await budgets.delete(tx, orgId, budgetId);
        if (!before) throw notFound('budget', budgetId);
        const subject = { resource: 'budget', resourceId: budgetId, organizationId: orgId };
        const change = { actor: request.principal, action: 'delete', ...subject };
        return { result: undefined, change: { ...change, before, after: null } };
      });
      return deleted('budget', budgetId);
    },
  );

  app.get<{ Params: Static<typeof OrgParams> }>(
    '/orgs/:orgId/rate-limits',
    { schema: { tags, params: OrgParams, response: responses({ 200: ListOf(RateLimitSchema) }, 404) } },
    async (request) => {
      await enterOrganization(deps, request.principal, request.params.orgId);
      return { object: 'list', data: await rateLimits.list(request.params.orgId) };
    },
  );

  // Limits protect the platform's capacity, so the operator sets them. A change names the limits it changes and
  // keeps the other, so that setting one never clears the other by accident; a rule left with none is removed.
  app.post<{ Params: Static<typeof OrgParams>; Body: Static<typeof RateLimitBody> }>(
    '/orgs/:orgId/rate-limits',
    {
      schema: {
        tags,
        params: OrgParams,
        body: RateLimitBody,
        response: responses(
          {
            200: Type.Union([RateLimitSchema, DeletedSchema], {
              description: 'the rule, or its removal once it limits nothing',
            }),
          },
          404,
          413,
        ),
      },
    },
    async (request) => {
      const { orgId } = request.params;
      await enterOrganization(deps, request.principal, orgId);
      requireOperator(request.principal);
      const { scope, scopeId, requestsPerMinute, tokensPerMinute } = request.body;
      if (requestsPerMinute === undefined && tokensPerMinute === undefined) {
        const message = 'name requestsPerMinute, tokensPerMinute or both (null removes a limit)';
        throw new CommonwealError('invalid_request', message, { param: 'requestsPerMinute' });
      }
      await checkScopeTarget(deps, orgId, scope, scopeId);
      const ruleId = `${scope}:${scopeId}`;
      const rule = await deps.audit.commit(async (tx) => {
        const { before, after } = await rateLimits.set(tx, orgId, request.body);
        const subject = { resource: 'rate_limit', resourceId: ruleId, organizationId: orgId };
        const change = { actor: request.principal, action: 'update', ...subject };
        return { result: after, change: { ...change, before, after } };
      });
      await rateLimits.reload();
      return rule ?? deleted('rate_limit', ruleId);
    },
  );
}
