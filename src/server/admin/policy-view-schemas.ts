import { type TOptional, Type } from '@sinclair/typebox';
import { ruleCriteria } from '../../policy/index.js';
import { Closed, Instant, Nullable, StringEnum } from './response-schemas.js';

/** The answers about residency policies, rules and jurisdiction groups, as src/policy defines them. */

const Codes = Type.Array(Type.String(), { description: 'ISO 3166-1 alpha-2 country codes and jurisdiction groups' });
const AcceleratorMatcherSchema = Closed({ vendor: Type.Optional(Type.String()), type: Type.Optional(Type.String()) });

export const ResidencyPolicySchema = Closed({
  object: Type.Literal('residency_policy'),
  organizationId: Type.String(),
  projectId: Nullable(Type.String({ description: "null for the organization's own policy" })),
  allowedJurisdictions: Nullable({ ...Codes, description: 'null: anywhere; [] allows nowhere' }),
  deniedJurisdictions: Codes,
  requireAccelerators: Type.Array(AcceleratorMatcherSchema),
  denyAccelerators: Type.Array(AcceleratorMatcherSchema),
  allowedModelLicenses: Nullable(Type.Array(Type.String())),
  allowedModelOrigins: Nullable(Type.Array(Type.String())),
  source: StringEnum(['stored', 'server_default'] as const),
  version: Nullable(Type.Integer({ description: 'the policy version that stored it; null for the server default' })),
  updatedAt: Nullable(Instant),
});

const RuleConditionSchema = Closed(
  { in: Type.Optional(Type.Array(Type.String())), notIn: Type.Optional(Type.Array(Type.String())) },
  'exactly one of in / notIn',
);

const RuleMatchSchema = Closed(
  Object.fromEntries(ruleCriteria.map((criterion) => [criterion, Type.Optional(RuleConditionSchema)])) as Record<
    (typeof ruleCriteria)[number],
    TOptional<typeof RuleConditionSchema>
  >,
  'every criterion given must hold; none matches everything',
);

export const PolicyRuleSchema = Closed({
  object: Type.Literal('policy_rule'),
  id: Type.String(),
  position: Type.Integer({ description: 'place in the order, from 0' }),
  effect: StringEnum(['allow', 'deny'] as const),
  match: RuleMatchSchema,
  reason: Type.String(),
  reference: Nullable(Type.String()),
  createdAt: Instant,
  updatedAt: Instant,
});

export const JurisdictionGroupSchema = Closed({
  object: Type.Literal('jurisdiction_group'),
  id: Type.String(),
  name: Type.String(),
  members: Type.Array(Type.String(), { description: 'country codes and group ids, as given' }),
  countries: Type.Array(Type.String(), { description: 'the countries the members expand to' }),
  builtIn: Type.Boolean(),
  createdAt: Nullable(Instant),
  updatedAt: Nullable(Instant),
});

export const PolicyChangeSchema = Closed({
  object: Type.Literal('policy_change'),
  id: Type.String({ description: 'the version, as a string, for paging' }),
  version: Type.Integer(),
  createdAt: Instant,
  actor: Type.String({ description: 'operator, or org_admin:<key id>' }),
  kind: StringEnum([
    'organization_policy',
    'project_policy',
    'rule',
    'rule_removal',
    'jurisdiction_group',
    'jurisdiction_group_removal',
  ] as const),
  subjectId: Type.String({ description: 'the organization, <organization>/<project>, rule or group id' }),
  organizationId: Nullable(Type.String()),
  before: Type.Unknown({ description: 'the policy, rule or group before the change; null when it made it' }),
  after: Type.Unknown({ description: 'the policy, rule or group after the change; null when it removed it' }),
});

const ExclusionSchema = Closed({
  source: Type.String({ description: 'organization_policy, project_policy, rule or catalog' }),
  clause: Type.String({ description: 'the residency clause, rule, invalid_policy or unknown_site/model/organization' }),
  ruleId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  reference: Type.Optional(Nullable(Type.String())),
  message: Type.String(),
});

export const PolicyExplanationSchema = Closed({
  object: Type.Literal('policy_explanation'),
  policyVersion: Type.Integer(),
  organizationId: Type.String(),
  projectId: Nullable(Type.String()),
  modelId: Type.String(),
  organizationJurisdiction: Nullable(Type.String()),
  policies: Closed({
    organization: StringEnum(['stored', 'server_default'] as const),
    project: Nullable(StringEnum(['stored', 'none'] as const)),
  }),
  served: Type.Boolean({ description: 'false when a request would be refused with 403 policy_denied' }),
  allowedDeployments: Type.Integer(),
  modelExclusions: Type.Array(ExclusionSchema),
  deployments: Type.Array(
    Closed({
      deploymentId: Type.String(),
      siteId: Type.String(),
      jurisdiction: Nullable(Type.String()),
      enabled: Type.Boolean(),
      allowed: Type.Boolean(),
      exclusions: Type.Array(ExclusionSchema),
      ruleId: Nullable(Type.String({ description: 'the rule that decided, or null when none matched' })),
    }),
  ),
});

const ServiceChangeSchema = Closed({
  organizationId: Type.String(),
  projectId: Nullable(Type.String()),
  modelId: Type.String(),
  allowedBefore: Type.Array(Type.String()),
  allowedAfter: Type.Array(Type.String()),
});

export const PolicySimulationSchema = Closed({
  object: Type.Literal('policy_simulation'),
  policyVersion: Type.Integer(),
  evaluated: Type.Integer({ description: 'subjects × models evaluated' }),
  gaining: Type.Array(ServiceChangeSchema, { description: 'refused now, served after' }),
  losing: Type.Array(ServiceChangeSchema, { description: 'served now, refused after' }),
  changed: Type.Array(ServiceChangeSchema, { description: 'served before and after, by other deployments' }),
  counts: Closed({ gaining: Type.Integer(), losing: Type.Integer(), changed: Type.Integer() }),
  truncated: Type.Boolean({ description: 'true when a list holds only its first entries; counts are whole' }),
});
