import { type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { SecretReference } from '../../config/index.js';
import { budgetScopes } from '../../ledger/index.js';
import { rateLimitScopes } from '../../limits/index.js';
import {
  BudgetBody,
  DeploymentCreate,
  GroupCreate,
  ModelCreate,
  OrgCreate,
  ProgramBody,
  ProjectCreate,
  RateLimitBody,
  ResidencyPolicyBody,
  RuleCreate,
  SiteCreate,
} from '../../server/admin/index.js';

/*
 * A declared resource is the body that creates it (the admin API's own schema, so each
 * shape has one home), with three differences: its id is required, since it is what a
 * later apply finds it by; a resource inside an organization names it
 * (`organizationId`); and a secret is a reference (`env:NAME`, `file:/path`), never the
 * secret itself.
 */
function declared(properties: TProperties): TObject {
  return Type.Object(properties, { additionalProperties: false });
}

function required(schema: TSchema): TSchema {
  return Type.Optional(schema, false);
}

const OrganizationId = required(OrgCreate.properties.id!);

/*
 * API keys are secrets the server issues, so a file declares none, nor the budgets and
 * rate limits of one: those stay with `commonweal keys` and `commonweal credits`.
 */
function scopeWithoutKeys(scopes: readonly string[]): TSchema {
  const declarable = scopes.filter((scope) => scope !== 'key');
  return Type.Union(
    declarable.map((scope) => Type.Literal(scope)),
    { description: "an API key's budgets and limits are set with the credits commands, not declared" },
  );
}

export const declaredSchemas = {
  jurisdictionGroups: GroupCreate,
  sites: SiteCreate,
  models: ModelCreate,
  deployments: declared({
    ...DeploymentCreate.properties,
    upstreamApiKey: Type.Optional(Type.Union([SecretReference, Type.Null()])),
  }),
  organizations: declared({ ...OrgCreate.properties, id: OrganizationId }),
  projects: declared({
    organizationId: OrganizationId,
    ...ProjectCreate.properties,
    id: required(ProjectCreate.properties.id!),
  }),
  policies: declared({
    organizationId: OrganizationId,
    projectId: Type.Optional(OrganizationId),
    ...ResidencyPolicyBody.properties,
  }),
  rules: RuleCreate,
  budgets: declared({
    organizationId: OrganizationId,
    ...BudgetBody.properties,
    scope: scopeWithoutKeys(budgetScopes),
  }),
  rateLimits: declared({
    organizationId: OrganizationId,
    ...RateLimitBody.properties,
    scope: scopeWithoutKeys(rateLimitScopes),
  }),
  programs: declared({ ...ProgramBody.properties, id: required(ProgramBody.properties.id!) }),
} as const satisfies Record<string, TObject>;

export type PlatformList = keyof typeof declaredSchemas;

/** The lists of a platform file, in the order they are applied: what a resource refers to comes before it. */
export const platformLists = Object.keys(declaredSchemas) as PlatformList[];

/** The fields of a declared resource that hold secrets: the server keeps them and never gives them back. */
export const secretFields: Readonly<Partial<Record<PlatformList, readonly string[]>>> = {
  deployments: ['upstreamApiKey'],
};

export const platformApiVersion = 'commonweal/v1';
export const platformKind = 'Platform';

export const PlatformDocumentSchema = Type.Object(
  {
    apiVersion: Type.Literal(platformApiVersion),
    kind: Type.Literal(platformKind),
    ...Object.fromEntries(
      platformLists.map((list) => [list, Type.Optional(Type.Array(declaredSchemas[list], { maxItems: 100_000 }))]),
    ),
  },
  { additionalProperties: false },
);

/** One declared resource, as it was checked against its schema. */
export type DeclaredItem = Readonly<Record<string, unknown>>;

export type PlatformDocument = { readonly apiVersion: string; readonly kind: string } & {
  readonly [list in PlatformList]?: readonly DeclaredItem[];
};
