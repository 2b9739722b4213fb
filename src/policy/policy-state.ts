import type { JurisdictionGroup } from './jurisdiction-group.js';
import type { PolicyRule } from './policy-rule.js';
import type { ResidencyPolicy } from './residency-policy.js';

/** A residency policy as stored, with the policy version that set it. */
export interface StoredPolicy {
  readonly policy: ResidencyPolicy;
  readonly version: number;
  readonly updatedAt: string;
}

/**
 * Everything policy decisions depend on besides the catalog and the organizations, as
 * of one version. Every change to any part of it makes a new version.
 */
export interface PolicyState {
  readonly version: number;
  /** The operator's groups, by id; the built-in ones come from the data file. */
  readonly groups: ReadonlyMap<string, JurisdictionGroup>;
  readonly organizationPolicies: ReadonlyMap<string, StoredPolicy>;
  /** By organization id, then by project id. */
  readonly projectPolicies: ReadonlyMap<string, ReadonlyMap<string, StoredPolicy>>;
  /** In evaluation order; `position` is the index. */
  readonly rules: readonly PolicyRule[];
}

export const emptyPolicyState: PolicyState = Object.freeze({
  version: 0,
  groups: new Map(),
  organizationPolicies: new Map(),
  projectPolicies: new Map(),
  rules: Object.freeze([]),
});
