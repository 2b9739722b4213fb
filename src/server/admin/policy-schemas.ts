import { Type } from '@sinclair/typebox';
import { acceleratorVendors } from '../../catalog/index.js';
import { jurisdictionGroupIdPattern, jurisdictionGroupMembersMax, policyRulesMax } from '../../policy/index.js';
import { patternString } from '../../config/index.js';
import { Name, plainText, RecordId } from './common-schemas.js';

/*
 * The shapes of policy bodies. The schema checks shapes and bounds; whether a code names
 * a known country or group is checked against the current groups when the change is
 * applied, with a message that names the unknown code.
 */

const listMax = 300;

export const JurisdictionCode = patternString(
  '^[A-Z][A-Z0-9_]{1,31}$',
  'an ISO 3166-1 alpha-2 country code such as DE or a jurisdiction group id such as EU, in capitals',
  { description: 'an ISO 3166-1 alpha-2 country code (DE) or a jurisdiction group id (EU, EEA, FIVE_EYES …)' },
);
const JurisdictionList = Type.Array(JurisdictionCode, { maxItems: listMax });
const Text = Type.String({ minLength: 1, maxLength: 200 });
const Vendor = Type.Union(acceleratorVendors.map((v) => Type.Literal(v)));

const AcceleratorMatcher = Type.Object(
  {
    vendor: Type.Optional(Vendor),
    type: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'e.g. Ascend 910B; case does not matter' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A residency policy; an absent clause takes its open value (null allow-lists, empty deny-lists). */
export const ResidencyPolicyBody = Type.Object(
  {
    allowedJurisdictions: Type.Optional(
      Type.Union([JurisdictionList, Type.Null()], { description: 'null or absent: anywhere; [] allows nowhere' }),
    ),
    deniedJurisdictions: Type.Optional(JurisdictionList),
    requireAccelerators: Type.Optional(Type.Array(AcceleratorMatcher, { maxItems: 64 })),
    denyAccelerators: Type.Optional(Type.Array(AcceleratorMatcher, { maxItems: 64 })),
    allowedModelLicenses: Type.Optional(Type.Union([Type.Array(Text, { maxItems: listMax }), Type.Null()])),
    allowedModelOrigins: Type.Optional(Type.Union([Type.Array(Text, { maxItems: listMax }), Type.Null()])),
  },
  { additionalProperties: false },
);

function condition<T extends ReturnType<typeof Type.String> | typeof Vendor>(value: T) {
  const list = Type.Array(value, { minItems: 1, maxItems: listMax });
  return Type.Object(
    { in: Type.Optional(list), notIn: Type.Optional(list) },
    { additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'exactly one of in / notIn' },
  );
}

export const RuleMatchBody = Type.Object(
  {
    organizationJurisdictions: Type.Optional(condition(JurisdictionCode)),
    siteJurisdictions: Type.Optional(condition(JurisdictionCode)),
    acceleratorVendors: Type.Optional(condition(Vendor)),
    acceleratorTypes: Type.Optional(condition(Type.String({ minLength: 1, maxLength: 64 }))),
    modelIds: Type.Optional(condition(Type.String({ minLength: 1, maxLength: 128 }))),
    modelFamilies: Type.Optional(condition(Type.String({ minLength: 1, maxLength: 128 }))),
    modelOrigins: Type.Optional(condition(Text)),
    modelTags: Type.Optional(condition(Type.String({ minLength: 1, maxLength: 64 }))),
  },
  { additionalProperties: false, description: 'every criterion given must hold; none matches everything' },
);

const Effect = Type.Union([Type.Literal('allow'), Type.Literal('deny')]);
const Reason = plainText(500);
const Reference = Type.Union([plainText(500), Type.Null()]);
const Position = Type.Integer({
  minimum: 0,
  maximum: policyRulesMax,
  description: 'place in the order, from 0; a new rule goes last when absent',
});

export const RuleCreate = Type.Object(
  {
    id: RecordId,
    effect: Effect,
    match: RuleMatchBody,
    reason: Reason,
    reference: Type.Optional(Reference),
    position: Type.Optional(Position),
  },
  { additionalProperties: false },
);

export const RulePatch = Type.Object(
  {
    effect: Type.Optional(Effect),
    match: Type.Optional(RuleMatchBody),
    reason: Type.Optional(Reason),
    reference: Type.Optional(Reference),
    position: Type.Optional(Position),
  },
  { additionalProperties: false, minProperties: 1 },
);

const Members = Type.Array(JurisdictionCode, { minItems: 1, maxItems: jurisdictionGroupMembersMax });

const GroupId = patternString(
  jurisdictionGroupIdPattern,
  'a group id of 2 to 32 capitals, digits or "_" that starts with a capital and is not two letters alone ' +
    '(those are country codes), such as NORDICS or G20',
  { description: 'A-Z 0-9 _, up to 32 characters, never two letters alone (those are country codes), e.g. G20' },
);

export const GroupCreate = Type.Object({ id: GroupId, name: Name, members: Members }, { additionalProperties: false });

export const GroupPatch = Type.Object(
  { name: Type.Optional(Name), members: Type.Optional(Members) },
  { additionalProperties: false, minProperties: 1 },
);

const OrganizationId = Type.String({ minLength: 1, maxLength: 64 });
const ProjectId = Type.String({ minLength: 1, maxLength: 64 });

/** A proposed change, as POST /policy/simulate takes it; `kind` says which. */
export const PolicyChangeBody = Type.Union([
  Type.Object(
    { kind: Type.Literal('organization_policy'), organizationId: OrganizationId, policy: ResidencyPolicyBody },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('project_policy'),
      organizationId: OrganizationId,
      projectId: ProjectId,
      policy: Type.Union([ResidencyPolicyBody, Type.Null()]),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('rule'),
      rule: Type.Object(
        { id: RecordId, effect: Effect, match: RuleMatchBody, reason: Reason, reference: Type.Optional(Reference) },
        { additionalProperties: false },
      ),
      position: Type.Optional(Position),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('rule_removal'), ruleId: Type.String({ minLength: 1, maxLength: 64 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('jurisdiction_group'),
      group: Type.Object(
        { id: GroupCreate.properties.id, name: Name, members: Members },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('jurisdiction_group_removal'), groupId: Type.String({ minLength: 1, maxLength: 32 }) },
    { additionalProperties: false },
  ),
]);
