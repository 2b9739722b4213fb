import type { RuleEffect, RuleMatch } from './policy-rule.js';
import type { ResidencyPolicy } from './residency-policy.js';

/** A rule as a caller writes it; its place in the order is given separately. */
export interface PolicyRuleInput {
  readonly id: string;
  readonly effect: RuleEffect;
  readonly match: RuleMatch;
  readonly reason: string;
  readonly reference: string | null;
}

export interface JurisdictionGroupInput {
  readonly id: string;
  readonly name: string;
  readonly members: readonly string[];
}

/**
 * One change to the policy state. The same value is simulated (what would it change?)
 * and saved (a new version, recorded with who made it, when, and before/after).
 */
export type PolicyChange =
  | { readonly kind: 'organization_policy'; readonly organizationId: string; readonly policy: ResidencyPolicy }
  /** A null policy removes the project's own policy: the organization's alone then applies. */
  | {
      readonly kind: 'project_policy';
      readonly organizationId: string;
      readonly projectId: string;
      readonly policy: ResidencyPolicy | null;
    }
  /** Creates or replaces the rule with this id; `position` moves it (a new rule goes last when absent). */
  | { readonly kind: 'rule'; readonly rule: PolicyRuleInput; readonly position?: number | undefined }
  | { readonly kind: 'rule_removal'; readonly ruleId: string }
  | { readonly kind: 'jurisdiction_group'; readonly group: JurisdictionGroupInput }
  | { readonly kind: 'jurisdiction_group_removal'; readonly groupId: string };

export type PolicyChangeKind = PolicyChange['kind'];

/** The record of a saved change: the version it made, who, when, and the subject before and after. */
export interface PolicyChangeRecord {
  readonly object: 'policy_change';
  /** The version as a string, for paging like every other list. */
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  /** `operator`, or `org_admin:<key id>`. */
  readonly actor: string;
  readonly kind: PolicyChangeKind;
  /** The organization id, `<organization>/<project>`, the rule id or the group id. */
  readonly subjectId: string;
  /** Set for changes to an organization's or its projects' policies, so an org admin can read its own history. */
  readonly organizationId: string | null;
  readonly before: unknown;
  readonly after: unknown;
}
