import type { ResidencyPolicyClause } from './residency-policy.js';

/** Which part of the policy excluded a deployment. */
export type ExclusionSource = 'organization_policy' | 'project_policy' | 'rule' | 'catalog';

/**
 * Why a deployment may not serve a request: the exact clause or rule, with a message
 * for people. The message names only the caller's own policy, the platform's rules and
 * the catalog, never another tenant's data.
 */
export interface PolicyExclusion {
  readonly source: ExclusionSource;
  /**
   * The residency clause; `rule` for a rule; `invalid_policy` for a policy or rule that
   * names a jurisdiction that no longer exists (it then excludes everything until fixed);
   * `unknown_site` / `unknown_model` / `unknown_organization` when the catalog or tenancy
   * does not know them, which fails closed.
   */
  readonly clause:
    | ResidencyPolicyClause
    | 'rule'
    | 'invalid_policy'
    | 'unknown_site'
    | 'unknown_model'
    | 'unknown_organization';
  readonly ruleId?: string;
  readonly reason?: string;
  readonly reference?: string | null;
  readonly message: string;
}
