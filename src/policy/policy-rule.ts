/**
 * One criterion of a rule: the attribute's value is (`in`) or is not (`notIn`) one of
 * the listed values. `notIn` is exactly the negation of `in`. Exactly one is set.
 */
export interface RuleCondition {
  readonly in?: readonly string[] | undefined;
  readonly notIn?: readonly string[] | undefined;
}

/**
 * What a rule matches on. Every criterion given must hold; a rule with none matches
 * every request. Attributes with several values (a site's accelerators, a model's
 * tags) match `in` when any of their values is listed.
 */
export interface RuleMatch {
  /** The organization's home jurisdiction: countries or groups. */
  readonly organizationJurisdictions?: RuleCondition | undefined;
  /** The site's jurisdiction: countries or groups. */
  readonly siteJurisdictions?: RuleCondition | undefined;
  readonly acceleratorVendors?: RuleCondition | undefined;
  /** Compared without regard to case. */
  readonly acceleratorTypes?: RuleCondition | undefined;
  readonly modelIds?: RuleCondition | undefined;
  readonly modelFamilies?: RuleCondition | undefined;
  /** Compared without regard to case. */
  readonly modelOrigins?: RuleCondition | undefined;
  readonly modelTags?: RuleCondition | undefined;
}

export const ruleCriteria = [
  'organizationJurisdictions',
  'siteJurisdictions',
  'acceleratorVendors',
  'acceleratorTypes',
  'modelIds',
  'modelFamilies',
  'modelOrigins',
  'modelTags',
] as const satisfies readonly (keyof RuleMatch)[];

export type RuleCriterion = (typeof ruleCriteria)[number];

export type RuleEffect = 'allow' | 'deny';

/**
 * An operator's platform-wide constraint, such as an export-control regulation. Rules
 * are ordered; for each request and deployment the first rule that matches decides,
 * and when none matches the deployment is allowed (the tenant's residency policy still
 * applies). No tenant policy can override a rule.
 */
export interface PolicyRule {
  readonly object: 'policy_rule';
  readonly id: string;
  /** The rule's place in the order, from 0. */
  readonly position: number;
  readonly effect: RuleEffect;
  readonly match: RuleMatch;
  /** Why the rule exists, shown to whoever it excludes. */
  readonly reason: string;
  /** The regulation or decision it implements, e.g. `EU 2021/821 Annex I`. */
  readonly reference: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Rules the platform holds at most; every decision walks them. */
export const policyRulesMax = 1_000;

/** The jurisdiction codes a rule names. */
export function jurisdictionsNamedByRule(match: RuleMatch): readonly string[] {
  const named: string[] = [];
  for (const criterion of [match.organizationJurisdictions, match.siteJurisdictions]) {
    named.push(...(criterion?.in ?? []), ...(criterion?.notIn ?? []));
  }
  return named;
}
