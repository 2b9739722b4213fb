import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CommonwealError } from '../../errors/index.js';
import { savePolicyChange } from './save-policy-change.js';
import type { AdminDeps } from './admin-deps.js';
import { requireOperator } from './admin-principal.js';
import { deleted, PageQuery } from './common-schemas.js';
import { inMemoryPage } from './in-memory-page.js';
import { RuleCreate, RulePatch } from './policy-schemas.js';
import { DeletedSchema, PageOf, responses } from './response-schemas.js';
import { PolicyRuleSchema } from './policy-view-schemas.js';

const RuleParams = Type.Object({ ruleId: Type.String() });

/**
 * The operator's ordered rule list: platform-wide constraints such as export controls,
 * which no tenant can see in full or override. A tenant learns of a rule only when it
 * excludes something the tenant asked for, through the rule's id, reason and reference.
 */
export function ruleRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/policy/rules',
    { schema: { tags: ['policy'], querystring: PageQuery, response: responses({ 200: PageOf(PolicyRuleSchema) }) } },
    async (request) => {
      requireOperator(request.principal);
      return inMemoryPage(deps.policy.rules(), request.query);
    },
  );

  app.post<{ Body: Static<typeof RuleCreate> }>(
    '/policy/rules',
    { schema: { tags: ['policy'], body: RuleCreate, response: responses({ 201: PolicyRuleSchema }, 409, 413) } },
    async (request, reply) => {
      requireOperator(request.principal);
      const { position, reference, ...rule } = request.body;
      if (deps.policy.rules().some((r) => r.id === rule.id)) {
        throw new CommonwealError('already_exists', `a rule with id "${rule.id}" already exists`, { param: 'id' });
      }
      await savePolicyChange(deps, request.principal, {
        kind: 'rule',
        rule: { ...rule, reference: reference ?? null },
        position,
      });
      return reply.code(201).send(deps.policy.rule(rule.id));
    },
  );

  app.get<{ Params: Static<typeof RuleParams> }>(
    '/policy/rules/:ruleId',
    { schema: { tags: ['policy'], params: RuleParams, response: responses({ 200: PolicyRuleSchema }, 404) } },
    async (request) => {
      requireOperator(request.principal);
      return deps.policy.rule(request.params.ruleId);
    },
  );

  app.patch<{ Params: Static<typeof RuleParams>; Body: Static<typeof RulePatch> }>(
    '/policy/rules/:ruleId',
    {
      schema: {
        tags: ['policy'],
        params: RuleParams,
        body: RulePatch,
        response: responses({ 200: PolicyRuleSchema }, 404, 413),
      },
    },
    async (request) => {
      requireOperator(request.principal);
      const old = deps.policy.rule(request.params.ruleId);
      const { position, ...patch } = request.body;
      const rule = {
        id: old.id,
        effect: old.effect,
        match: old.match,
        reason: old.reason,
        reference: old.reference,
        ...patch,
      };
      await savePolicyChange(deps, request.principal, { kind: 'rule', rule, position });
      return deps.policy.rule(old.id);
    },
  );

  app.delete<{ Params: Static<typeof RuleParams> }>(
    '/policy/rules/:ruleId',
    { schema: { tags: ['policy'], params: RuleParams, response: responses({ 200: DeletedSchema }, 404) } },
    async (request) => {
      requireOperator(request.principal);
      await savePolicyChange(deps, request.principal, { kind: 'rule_removal', ruleId: request.params.ruleId });
      return deleted('policy_rule', request.params.ruleId);
    },
  );
}
